import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';

/**
 * Reads `topic` from the beginning with a fresh consumer group until `take` has collected what it
 * wants (returns a value), or the timeout passes.
 */
export async function consumeUntil<T>(opts: {
  brokers: string;
  topic: string;
  take: (message: KafkaMessage) => T | undefined;
  timeoutMs?: number;
}): Promise<T> {
  const kafka = new Kafka({ clientId: 'it-reader', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `it-reader-${opts.topic}-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing wanted arrived on ${opts.topic}`)), opts.timeoutMs ?? 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = opts.take(message);
          if (value !== undefined) {
            clearTimeout(timer);
            resolve(value);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
