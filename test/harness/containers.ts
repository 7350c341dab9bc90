import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';
import { freePort } from '../../infra/stack/process';
import { SEARCH_ATTRIBUTES, VERSIONS } from '../../infra/stack/versions';
import type { StackEndpoints } from '../../infra/stack/stack';

/** True when a container engine answers; testcontainers 11 reports cleanly when there is none. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * The same three servers as the native stack, as containers, for machines that have Docker.
 * Images are pinned to the native stack's versions.
 */
export async function startContainerStack(): Promise<{ endpoints: StackEndpoints; stop(): Promise<void> }> {
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
  };
  try {
    const kafkaPort = await freePort();
    const [redis, kafka, temporal] = await Promise.all([
      new GenericContainer('redis:7.4').withExposedPorts(6379).withWaitStrategy(Wait.forLogMessage('Ready to accept connections')).start(),
      new GenericContainer(`apache/kafka:${VERSIONS.kafka}`)
        .withExposedPorts({ container: 9092, host: kafkaPort })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_NUM_PARTITIONS: '6',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        })
        .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
        .start(),
      new GenericContainer(`temporalio/temporal:${VERSIONS.temporalCli}`)
        .withExposedPorts(7233)
        .withCommand([
          'server',
          'start-dev',
          '--ip',
          '0.0.0.0',
          '--headless',
          '--dynamic-config-value',
          'matching.useNewMatcher=true',
          ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([n, t]) => ['--search-attribute', `${n}=${t}`]),
        ])
        .withWaitStrategy(Wait.forListeningPorts())
        .start(),
    ]);
    started.push(redis, kafka, temporal);
    return {
      endpoints: {
        kafkaBrokers: `127.0.0.1:${kafkaPort}`,
        temporalAddress: `${temporal.getHost()}:${temporal.getMappedPort(7233)}`,
        redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
