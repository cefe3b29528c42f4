/** "a, b, c" or "a, b, … and 7 more": short lists of ids in error messages */
export function listIds(ids: readonly string[], max = 8): string {
  if (ids.length <= max) return ids.join(', ');
  return `${ids.slice(0, max).join(', ')}, … and ${ids.length - max} more`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
