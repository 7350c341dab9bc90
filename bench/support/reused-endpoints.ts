import type { Config } from '../../services/config';
import type { StackEndpoints } from '../../infra/stack/stack';

/**
 * The services a benchmark's child process runs against: the parent names them through
 * KAFKA_BROKERS, TEMPORAL_ADDRESS and REDIS_URL. Missing ones are an error, not an `undefined` endpoint.
 */
export function reusedEndpoints(config: Config): Pick<StackEndpoints, 'kafkaBrokers' | 'temporalAddress' | 'redisUrl'> {
  const { kafkaBrokers, temporalAddress, redisUrl } = config.reuse;
  if (!kafkaBrokers || !temporalAddress || !redisUrl) {
    throw new Error('a benchmark process needs KAFKA_BROKERS, TEMPORAL_ADDRESS and REDIS_URL (its parent sets them)');
  }
  return { kafkaBrokers, temporalAddress, redisUrl };
}
