const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: an ISO instant, or a duration back from `now` (`90m`, `2h`, `3d`). Null when it is
 * neither (the command reports a usage error).
 */
export function parseSince(text: string, now: Date): Date | null {
  const rel = /^(\d+)([mhd])$/.exec(text.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (UNITS[rel[2] as string] as number));
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text.trim())) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}
