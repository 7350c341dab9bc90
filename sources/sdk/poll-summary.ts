import type { PollCursor, PollSummary } from '../../schemas/contracts';
import { formatInstant } from './time';

const MAX_IDS = 50;
const MAX_NOTES = 20;

/** A poll's outcome in the bounded shape recorded in workflow history. */
export function summarize<C extends PollCursor>(req: {
  cursor: C;
  /** The cursor in a few words for the Temporal UI; no HR field values. */
  position: string;
  /** Epoch ms the poll finished. */
  at: number;
  observed: number;
  skipped: number;
  notes: readonly string[];
  accepted?: readonly string[];
  duplicates?: readonly string[];
}): PollSummary<C> {
  const accepted = req.accepted ?? [];
  return {
    cursor: req.cursor,
    position: req.position,
    at: formatInstant(req.at),
    observed: req.observed,
    produced: accepted.length,
    duplicates: req.duplicates?.length ?? 0,
    skipped: req.skipped,
    eventIds: accepted.slice(0, MAX_IDS),
    notes: req.notes.slice(0, MAX_NOTES),
  };
}
