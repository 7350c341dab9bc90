/**
 * Pinned versions of the servers the local stack installs. Each was checked on one of our 2-core
 * machines (see ../shared/recipes/local-stack.md); change them only together with that check.
 */
export const VERSIONS = Object.freeze({
  /** Apache Kafka broker jars from Maven Central (`org.apache.kafka:kafka_2.13`). */
  kafka: '3.9.1',
  /** Logging binding that Kafka's slf4j-api needs at run time. */
  slf4jReload4j: '1.7.36',
  /** Temporal CLI (dev server + UI), built with `go install`; v1.6+ cannot be built through the module proxy. */
  temporalCli: '1.5.1',
});

/** Search attributes every stack registers; workflows set them so ops can find people and events. */
export const SEARCH_ATTRIBUTES = Object.freeze({
  EmployeeId: 'Keyword',
  PersonKey: 'Keyword',
  JmlKind: 'Keyword',
  HrSource: 'Keyword',
  Apps: 'KeywordList',
  NeedsAttention: 'Bool',
  EffectiveAt: 'Datetime',
} as const);
