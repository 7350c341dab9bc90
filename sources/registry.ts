import { bambooHrSource } from './bamboohr';
import { canonicalSource } from './canonical';
import type { AnySource, SourceDefinition } from './sdk/define';
import { workdaySource } from './workday';

/**
 * Every source the pipeline takes deliveries from, by id, in the order their settings are read
 * (and their configuration problems listed). Adding an HR system is one folder under sources/ and
 * one line here (docs/writing-a-source.md).
 */
export const SOURCES = {
  bamboohr: bambooHrSource,
  workday: workdaySource,
  canonical: canonicalSource,
} as const satisfies Record<string, AnySource>;

export type SourceId = keyof typeof SOURCES;

/** A source's resolved tenant configuration (`TenantOf<typeof bambooHrSource>`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TenantOf<S> = S extends SourceDefinition<infer T, any, any, any> ? T : never;

/** A source's vendor API client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClientOf<S> = S extends SourceDefinition<any, any, any, infer C> ? C : never;
