/** The three MX jobs mxflow runs; each has its own state machine. */
export const JOB_TYPES = ['aggregate', 'verify', 'identify'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** A job's status as its record and the API show it. */
export const JOB_STATUSES = ['RUNNING', 'CHALLENGED', 'ACTION_REQUIRED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT'];
export const isTerminal = (status: JobStatus): boolean => TERMINAL_JOB_STATUSES.includes(status);
