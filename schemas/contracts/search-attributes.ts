import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes registered by the stack (infra/stack/versions.ts) and set by our workflows. */
export const EmployeeId = defineSearchAttributeKey('EmployeeId', SearchAttributeType.KEYWORD);
export const PersonKey = defineSearchAttributeKey('PersonKey', SearchAttributeType.KEYWORD);
export const JmlKind = defineSearchAttributeKey('JmlKind', SearchAttributeType.KEYWORD);
export const HrSource = defineSearchAttributeKey('HrSource', SearchAttributeType.KEYWORD);
export const Apps = defineSearchAttributeKey('Apps', SearchAttributeType.KEYWORD_LIST);
export const NeedsAttention = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
export const EffectiveAt = defineSearchAttributeKey('EffectiveAt', SearchAttributeType.DATETIME);
