import type { JmlEventType, PersonSnapshot } from '../../schemas/jml-event.v1';
import { HIRE_PROCESSES, TERMINATION_PROCESSES, type WorkdayEvent } from './contract';
import { endOfDayMs, startOfDayMs } from './time';

type EmploymentStatus = PersonSnapshot['status'];

/**
 * Which JML event a Workday business process event is, when it takes effect, and the person's
 * status. Deterministic: "the future" means after the event's `Entry_Moment`, never after our
 * clock, so re-normalising an old post gives the same answer.
 *
 * | business process                              | JML type          | takes effect                                  | status              |
 * | --------------------------------------------- | ----------------- | --------------------------------------------- | ------------------- |
 * | Hire Employee, Contract Contingent Worker     | jml.joiner        | start of Effective_Date                       | pre-hire or active  |
 * | … with Is_Rehire                              | jml.rehire        | start of Effective_Date                       | pre-hire or active  |
 * | Change Job                                    | jml.mover         | start of Effective_Date                       | active¹             |
 * | Terminate Employee, End Contingent Worker C.  | jml.leaver        | end of Last_Day_of_Work, else Termination_Date | terminated         |
 * | Request Leave of Absence                      | jml.leave.start   | start of Effective_Date (first day of leave)  | on-leave            |
 * | Return from Leave                             | jml.leave.end     | start of Effective_Date (first day back)      | active¹             |
 *
 * ¹ pre-hire while Worker.Hire_Date starts after the entry moment.
 *
 * A rescind gets the compensating event, which restores the state before the rescinded event:
 *
 * | rescinded                       | JML type        | reason                                     |
 * | ------------------------------- | --------------- | ------------------------------------------ |
 * | hire / contract (or rehire)     | jml.leaver      | hire / contingent worker contract / rehire rescinded |
 * | termination / contract end      | jml.rehire      | termination / contract end rescinded       |
 * | job change                      | jml.mover       | job change rescinded                       |
 * | leave of absence                | jml.leave.end   | leave of absence rescinded                 |
 * | return from leave               | jml.leave.start | return from leave rescinded                |
 *
 * It takes effect at the later of the rescind's entry moment and the rescinded event's effective
 * moment. When the rescinded event already took effect, the state is restored now. When it is still
 * in the future, it may already be waiting downstream on a timer that v1 events cannot cancel by
 * reference; taking effect at the same moment, and arriving later, the compensation runs right after
 * it in the person's FIFO order, so the final state is right either way.
 */
export interface Classification {
  type: JmlEventType;
  effectiveAtMs: number;
  status: EmploymentStatus;
  reason?: string;
  involuntary?: boolean;
}

export interface ClassifyWorkdayRequest {
  event: WorkdayEvent;
  /** Epoch ms of the event's Entry_Moment. */
  enteredAtMs: number;
  /** IANA zone for calendar dates (the worker's, else the tenant default). */
  timeZone: string;
}

export function classifyWorkday(req: ClassifyWorkdayRequest): Classification {
  const original = classifyOriginal(req);
  if (!req.event.Is_Rescind) return original;
  return rescindOf(req, original);
}

function classifyOriginal({ event: e, enteredAtMs, timeZone }: ClassifyWorkdayRequest): Classification {
  const effectiveStart = startOfDayMs(e.Effective_Date, timeZone);
  const reason = e.Reason !== undefined ? { reason: e.Reason } : {};
  if (HIRE_PROCESSES.has(e.Business_Process_Type)) {
    return { type: e.Is_Rehire ? 'jml.rehire' : 'jml.joiner', effectiveAtMs: effectiveStart, status: effectiveStart > enteredAtMs ? 'pre-hire' : 'active', ...reason };
  }
  if (TERMINATION_PROCESSES.has(e.Business_Process_Type)) {
    return { type: 'jml.leaver', effectiveAtMs: terminationMs(e, timeZone), status: 'terminated', ...leaverDetails(e) };
  }
  const status = baselineStatus(e, enteredAtMs, timeZone);
  switch (e.Business_Process_Type) {
    case 'Request Leave of Absence':
      return { type: 'jml.leave.start', effectiveAtMs: effectiveStart, status: 'on-leave', ...reason };
    case 'Return from Leave':
      return { type: 'jml.leave.end', effectiveAtMs: effectiveStart, status, ...reason };
    default:
      return { type: 'jml.mover', effectiveAtMs: effectiveStart, status, ...reason };
  }
}

function rescindOf(req: ClassifyWorkdayRequest, original: Classification): Classification {
  const { event: e, enteredAtMs, timeZone } = req;
  const effectiveAtMs = Math.max(enteredAtMs, original.effectiveAtMs);
  const status = baselineStatus(e, enteredAtMs, timeZone);
  const contingent = e.Business_Process_Type === 'Contract Contingent Worker' || e.Business_Process_Type === 'End Contingent Worker Contract';
  switch (original.type) {
    case 'jml.joiner':
    case 'jml.rehire': {
      const what = e.Is_Rehire ? 'rehire' : contingent ? 'contingent worker contract' : 'hire';
      return { type: 'jml.leaver', effectiveAtMs, status: 'terminated', reason: `${what} rescinded` };
    }
    case 'jml.leaver':
      return { type: 'jml.rehire', effectiveAtMs, status, reason: `${contingent ? 'contract end' : 'termination'} rescinded` };
    case 'jml.leave.start':
      return { type: 'jml.leave.end', effectiveAtMs, status, reason: 'leave of absence rescinded' };
    case 'jml.leave.end':
      return { type: 'jml.leave.start', effectiveAtMs, status: 'on-leave', reason: 'return from leave rescinded' };
    default:
      return { type: 'jml.mover', effectiveAtMs, status, reason: 'job change rescinded' };
  }
}

/**
 * When access ends: at the end of the last day of work when given (it may precede the termination
 * date, e.g. garden leave), else at the end of the termination date, the final day of employment.
 * Both are calendar days the person still works, hence their end, not their start.
 */
export function terminationMs(e: WorkdayEvent, timeZone: string): number {
  const t = e.Termination;
  if (!t) throw new RangeError(`${e.Business_Process_Type} without Termination data`);
  return endOfDayMs(t.Last_Day_of_Work ?? t.Termination_Date, timeZone);
}

function leaverDetails(e: WorkdayEvent): { reason?: string; involuntary?: boolean } {
  const t = e.Termination;
  const reason = t?.Primary_Reason ?? e.Reason;
  return { ...(reason !== undefined && { reason }), ...(t?.Is_Involuntary !== undefined && { involuntary: t.Is_Involuntary }) };
}

/** Active, or pre-hire while the worker's hire date starts after the entry moment. */
function baselineStatus(e: WorkdayEvent, enteredAtMs: number, timeZone: string): EmploymentStatus {
  const hire = e.Worker.Hire_Date;
  return hire && startOfDayMs(hire, timeZone) > enteredAtMs ? 'pre-hire' : 'active';
}
