/**
 * Development-only defaults, used by `npm start` and the `jml` CLI when the matching env var is unset.
 * They are printed whenever they are used, and a deployment sets its own.
 */
export const DEV_CANONICAL_SECRET = 'whsec_ZGV2LW9ubHktY2Fub25pY2FsLXNlY3JldC1jaGFuZ2UtbWU=';
