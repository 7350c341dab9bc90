/**
 * ISO-8601 durations of the policy file (`P30D`, `PT12H`, `P1DT30M`, `PT5S`) in milliseconds. A day
 * is 24 h, a week 7 days; years and months are refused because their length depends on the date,
 * which a retention period should not. Fractions are allowed on the last unit (`PT1.5S`).
 */
export function durationMs(iso: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) {
    throw new RangeError(`'${iso}' is not a duration in weeks, days, hours, minutes and seconds (e.g. P30D, PT12H)`);
  }
  const [, w, d, h, min, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  return Math.round(((((w as number) * 7 + (d as number)) * 24 + (h as number)) * 60 + (min as number)) * 60_000 + (s as number) * 1000);
}
