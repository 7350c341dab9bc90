/**
 * Per-app attribute mapping: a small expression language that turns a PersonSnapshot into an
 * app's attributes, and resolves unique values (user names, mail addresses) on collision.
 * Grammar, functions and examples: `docs/attribute-mapping.md`.
 *
 * Load once at boot with {@link compileMappings}; then {@link mapPerson} and
 * {@link resolveUnique} per person.
 */
export type { AppMapping, CompiledAttribute, CompiledUnique } from './app-mapping';
export type { CompiledExpression } from './compile';
export { AppMappingConfig, MappingsConfig } from './config';
export { MappingConfigError, MappingError, type MappingErrorCode, type MappingIssue, formatMappingIssue } from './errors';
export { type AsciiFolding, foldToAscii } from './ascii-fold';
export { type CompileAppMappingRequest, type CompileMappingsRequest, compileAppMapping, compileMappings } from './load';
export { type MapPersonRequest, type MapPersonResult, mapPerson } from './map-person';
export type { MappingProblem } from './problems';
export { type IsTakenQuery, type ResolveUniqueRequest, type ResolveUniqueResult, resolveUnique } from './resolve-unique';
export type { MappingValue } from './value';
