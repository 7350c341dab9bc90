import { z } from 'zod';

/**
 * The JSON a customer's Workday integration (Studio, or an EIB with an XSLT step) posts to the
 * gateway, one business process event per request: version 1 of the contract documented in
 * docs/workday-contract.md. Field names follow Workday's own (Underscore_Case, `Worker_ID`,
 * `Effective_Date`, `Entry_Moment`…) so the integration's mapping reads one to one.
 *
 * These schemas only validate, they never transform: what was posted is what normalize.ts reads.
 * Objects are strict, because the integration is built against this document: a misspelt field
 * (`Legal_Firstname`) is rejected at once while the integration is being tested, instead of being
 * silently dropped in production. Absent optional fields mean "not sent, unknown"; `null` (or an
 * empty string) means "known to be empty".
 */

/** The only version of this contract; a breaking change gets a new value and a new parser. */
export const WORKDAY_CONTRACT_VERSION = '1';

/**
 * Workday business process types this contract carries, by their Workday names. A rehire is a
 * `Hire Employee` (or `Contract Contingent Worker`) with `Is_Rehire: true`, as in Workday, which has
 * no separate rehire business process. A rescind is the rescinded event posted again with
 * `Is_Rescind: true`.
 */
export const WORKDAY_BUSINESS_PROCESS_TYPES = [
  'Hire Employee',
  'Contract Contingent Worker',
  'Change Job',
  'Terminate Employee',
  'End Contingent Worker Contract',
  'Request Leave of Absence',
  'Return from Leave',
] as const;
export const WorkdayBusinessProcessType = z.enum(WORKDAY_BUSINESS_PROCESS_TYPES);
export type WorkdayBusinessProcessType = z.infer<typeof WorkdayBusinessProcessType>;

/** Business processes that start an employment or contract (and may be rehires). */
export const HIRE_PROCESSES: ReadonlySet<WorkdayBusinessProcessType> = new Set(['Hire Employee', 'Contract Contingent Worker']);
/** Business processes that end one; they must carry `Termination`. */
export const TERMINATION_PROCESSES: ReadonlySet<WorkdayBusinessProcessType> = new Set(['Terminate Employee', 'End Contingent Worker Contract']);
/** Business processes about a leave of absence; the only ones that may carry `Leave`. */
export const LEAVE_PROCESSES: ReadonlySet<WorkdayBusinessProcessType> = new Set(['Request Leave of Absence', 'Return from Leave']);

/** Workday's `Worker_Type`: employees are hired and terminated, contingent workers contracted and ended. */
export const WORKDAY_WORKER_TYPES = ['Employee', 'Contingent Worker'] as const;

/**
 * `Worker_ID`: the Employee_ID or Contingent_Worker_ID, the business key a person keeps for life
 * (never the WID, which differs per object). Limited to the characters a JmlEvent person key allows.
 */
export const WorkdayWorkerId = z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be 1-128 of letters, digits, . _ @ -');

/** A Workday ID: 32 hexadecimal digits, as Workday prints them (`3aa5550b7fe348b98d7b5741afc65534`). */
export const WorkdayWid = z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be a Workday ID of 32 hexadecimal digits');

/** `YYYY-MM-DD`, a real date. Workday effective dates carry no time zone. */
export const WorkdayDate = z.iso.date();

/** A date-time with an offset, as Workday writes moments: `2026-02-10T09:15:00.000-08:00`. */
export const WorkdayMoment = z.iso.datetime({ offset: true });

const RequiredText = z
  .string()
  .max(512)
  .refine((s) => s.trim().length > 0, 'must not be blank');
const OptionalText = z.string().max(512).nullable().optional();

/** Worker data as of the event: after it was completed (for a rescind, after the rescind). */
export const WorkdayWorker = z.strictObject({
  Worker_ID: WorkdayWorkerId,
  /** The worker's WID; informational only (kept as `custom.workdayWid`), never a key. */
  WID: WorkdayWid.nullable().optional(),
  Worker_Type: z.enum(WORKDAY_WORKER_TYPES),
  /** Workday's Employee Type (Regular, Temporary, Fixed Term, Intern…), for employees. */
  Employee_Type: OptionalText,
  /** Workday's Contingent Worker Type (Contractor, Consultant, Vendor…), for contingent workers. */
  Contingent_Worker_Type: OptionalText,
  Legal_First_Name: RequiredText,
  Legal_Last_Name: RequiredText,
  Preferred_First_Name: OptionalText,
  Preferred_Last_Name: OptionalText,
  /** Primary work email address. Checked in normalize.ts: an invalid one is left out, not rejected. */
  Work_Email: z.string().max(320).nullable().optional(),
  Job_Profile: OptionalText,
  /** Business title; defaults to the job profile's title in Workday. */
  Business_Title: OptionalText,
  Supervisory_Organization: OptionalText,
  Cost_Center: OptionalText,
  Location: OptionalText,
  /** `Worker_ID` of the manager of the worker's supervisory organization. */
  Manager_Worker_ID: WorkdayWorkerId.nullable().optional(),
  /** IANA zone id (Workday's Time_Zone_ID, e.g. `Europe/Berlin`) of the worker's location. */
  Time_Zone: z.string().min(1).max(64).nullable().optional(),
  /** Hire date of the current employment (or contract start). */
  Hire_Date: WorkdayDate.nullable().optional(),
});
export type WorkdayWorker = z.infer<typeof WorkdayWorker>;

/** Worker data before the event, for the fields the integration chose to send (the identity never changes). */
export const WorkdayPriorWorker = WorkdayWorker.omit({ Worker_ID: true, WID: true }).partial();
export type WorkdayPriorWorker = z.infer<typeof WorkdayPriorWorker>;

/** Terminate Employee / End Contingent Worker Contract details. */
export const WorkdayTermination = z.strictObject({
  /** Final day of employment (for End Contingent Worker Contract: the contract end date). */
  Termination_Date: WorkdayDate,
  /** Final day at work; on or before `Termination_Date`. Access ends when this day ends. */
  Last_Day_of_Work: WorkdayDate.optional(),
  /** Primary reason as Workday shows it, e.g. `Voluntary > Resignation`. */
  Primary_Reason: z.string().min(1).max(512).optional(),
  /** True for an involuntary termination: downstream acts at once, whatever the dates. */
  Is_Involuntary: z.boolean().optional(),
});
export type WorkdayTermination = z.infer<typeof WorkdayTermination>;

/** Request Leave of Absence / Return from Leave details; informational (the event's `Effective_Date` rules). */
export const WorkdayLeave = z.strictObject({
  Leave_Type: OptionalText,
  First_Day_of_Leave: WorkdayDate.optional(),
  Estimated_Last_Day_of_Leave: WorkdayDate.optional(),
  Actual_Last_Day_of_Leave: WorkdayDate.optional(),
  First_Day_Back_at_Work: WorkdayDate.optional(),
});
export type WorkdayLeave = z.infer<typeof WorkdayLeave>;

export const WorkdayEvent = z
  .strictObject({
    Contract_Version: z.literal(WORKDAY_CONTRACT_VERSION),
    Business_Process_Type: WorkdayBusinessProcessType,
    /**
     * WID of the business process event: the delivery id, so a redelivery is deduplicated. For a
     * rescind, the WID of the event being rescinded (Workday marks that event rescinded).
     */
    Event_WID: WorkdayWid.optional(),
    /** This post reports the rescind of the business process it describes. */
    Is_Rescind: z.boolean().optional(),
    /** A hire of a former worker; only with Hire Employee / Contract Contingent Worker. */
    Is_Rehire: z.boolean().optional(),
    /**
     * The business process's effective date (hire date, job change date, first day of leave, first
     * day back at work). For terminations the `Termination` dates rule instead. For a rescind, the
     * rescinded event's effective date.
     */
    Effective_Date: WorkdayDate,
    /** When the event (or its rescind) was entered in Workday, with offset. */
    Entry_Moment: WorkdayMoment,
    /** Business process reason as Workday shows it, e.g. `Hire Employee > New Hire > Fill Vacancy`. */
    Reason: z.string().min(1).max(512).optional(),
    Worker: WorkdayWorker,
    Prior_Worker: WorkdayPriorWorker.optional(),
    Termination: WorkdayTermination.optional(),
    Leave: WorkdayLeave.optional(),
  })
  .superRefine((e, ctx) => {
    const bp = e.Business_Process_Type;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (TERMINATION_PROCESSES.has(bp) && !e.Termination) issue(['Termination'], `is required for ${bp}`);
    if (!TERMINATION_PROCESSES.has(bp) && e.Termination) issue(['Termination'], `is only allowed for ${[...TERMINATION_PROCESSES].join(' and ')}`);
    if (!LEAVE_PROCESSES.has(bp) && e.Leave) issue(['Leave'], `is only allowed for ${[...LEAVE_PROCESSES].join(' and ')}`);
    if (e.Is_Rehire && !HIRE_PROCESSES.has(bp)) issue(['Is_Rehire'], `is only allowed for ${[...HIRE_PROCESSES].join(' and ')}`);
    const expectedType = bp === 'Hire Employee' || bp === 'Terminate Employee' ? 'Employee' : bp === 'Contract Contingent Worker' || bp === 'End Contingent Worker Contract' ? 'Contingent Worker' : undefined;
    if (expectedType && e.Worker.Worker_Type !== expectedType) issue(['Worker', 'Worker_Type'], `must be "${expectedType}" for ${bp}`);
    const t = e.Termination;
    if (t?.Last_Day_of_Work && t.Last_Day_of_Work > t.Termination_Date) issue(['Termination', 'Last_Day_of_Work'], 'must not be after Termination_Date');
  });
export type WorkdayEvent = z.infer<typeof WorkdayEvent>;
