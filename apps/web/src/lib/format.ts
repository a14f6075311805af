/** Dates and names as people read them, in the browser's language and time zone. */

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const full = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const longDay = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });

const longWithZone = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

export const formatTime = (iso: string): string => time.format(new Date(iso));
/** "Tuesday 6 January, 09:00 GMT": a moment someone plans around, with the zone it is shown in. */
export const formatMomentWithZone = (iso: string): string => longWithZone.format(new Date(iso));
export const formatDateTime = (iso: string): string => full.format(new Date(iso));

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

const DAY = 86_400_000;

/** "Today", "Yesterday", a weekday within the week, else a date. */
export function formatDay(iso: string, now = new Date()): string {
  const days = Math.round((startOfDay(now) - startOfDay(new Date(iso))) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(new Date(iso));
  return longDay.format(new Date(iso));
}

/** For a conversation list: a time today, else a short date. */
export function formatWhen(iso: string, now = new Date()): string {
  const days = Math.round((startOfDay(now) - startOfDay(new Date(iso))) / DAY);
  if (days === 0) return formatTime(iso);
  if (days === 1) return 'Yesterday';
  return dayMonth.format(new Date(iso));
}

export function sameDay(a: string, b: string): boolean {
  return startOfDay(new Date(a)) === startOfDay(new Date(b));
}

/** How a name is said in passing: "Sam" for Sam Rivera, "Dr. Nair" for Dr. Priya Nair. */
export function shortName(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  if (words.length > 1 && /^(dr|prof)\.?$/i.test(words[0]!)) return `${words[0]} ${words[words.length - 1]}`;
  return words[0] ?? name;
}

export function initials(name: string): string {
  const words = name
    .replace(/^(dr|mr|mrs|ms|prof)\.?\s+/i, '')
    .split(/\s+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words[words.length - 1]![0]] : [words[0]?.[0]];
  return letters.join('').toUpperCase() || '?';
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
