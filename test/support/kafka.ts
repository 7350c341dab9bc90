import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';

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

/**
 * Positions a new dispatcher group (and its priority lane's group) at the current end of the events
 * topics, so a pipeline started for a test reads only what the test sends (a group without offsets
 * would read everything). Topics created a moment ago may not have a leader yet: retried briefly.
 */
export async function positionDispatcherAtEnd(admin: Admin, group: string, topics: { events: string; priority: string }): Promise<void> {
  for (const [groupId, topic] of [
    [group, topics.events],
    [`${group}.priority`, topics.priority],
  ] as const) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, offset }) => ({ partition, offset })) });
        break;
      } catch (err) {
        if (attempt >= 40 || (err as { retriable?: boolean }).retriable !== true) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}
