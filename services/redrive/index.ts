/** Re-drive of failed and needs-attention events (docs/operations.md, "Re-drive"): the library `jml redrive` calls. */
export { redrive, redriveMany, refusalOf } from './redrive';
export type { RedriveAcceptedResult, RedriveManyOptions, RedriveManyResult, RedriveOptions, RedriveRefusalReason, RedriveRefusedResult, RedriveResult, RedriveTarget } from './redrive';
export { selectRedrives, selectionQuery, type RedriveCandidate, type RedriveSelection } from './select';
export { originalInput } from './original-input';
