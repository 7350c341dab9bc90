'use strict';
/**
 * The failure converter of every Temporal client, worker and workflow bundle of the pipeline
 * (services/temporal/data-converter.ts). With `encodeCommonAttributes`, a failure's message and
 * stack trace travel as a payload, which the payload codec seals like any other: connector errors
 * that quote an app's answer (a user name, an email) never reach the server in clear.
 *
 * CommonJS on purpose: the SDK loads it by path with `require` (outside the sandbox) and bundles it
 * into the workflow code (inside), and both must work under tsx, vitest and compiled output alike.
 */
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
