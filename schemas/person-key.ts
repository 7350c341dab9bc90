/**
 * Person keys (`<source>:<employeeId>`) taken apart. Kept free of zod and of every other import:
 * workflow code uses these, and the workflow sandbox evaluates a workflow's own modules again for
 * every workflow it starts or replays, so whatever this module imported would be rebuilt each time.
 */

/** The HR source of a person key (`bamboohr` in `bamboohr:4101`). */
export function sourceOf(personKey: string): string {
  const i = personKey.indexOf(':');
  return i < 0 ? personKey : personKey.slice(0, i);
}

/** The employee id of a person key (`4101` in `bamboohr:4101`). */
export function employeeIdOf(personKey: string): string {
  return personKey.slice(personKey.indexOf(':') + 1);
}
