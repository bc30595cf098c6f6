/**
 * Excludes a new plan starts with (gitignore syntax). node_modules is
 * reinstallable and often the largest folder in a workspace; .git is kept on
 * purpose, since unpushed history is exactly what people lose.
 */
export const defaultExcludes: readonly string[] = ['node_modules/'];

/** A plan with this schedule runs only when asked. */
export const manualSchedule = 'manual';
