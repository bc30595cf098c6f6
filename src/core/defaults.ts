/**
 * Every default a user can meet, in one place, so the CLI, the editor and the
 * servers never re-type one.
 */

/** The registry port, and the registry a client talks to when none is named. */
export const defaultRegistryPort = 7420;
export const defaultRegistryUrl = `http://127.0.0.1:${defaultRegistryPort}`;

/** The port a receiver listens on. */
export const defaultReceiverPort = 7421;

/**
 * Excludes a new plan starts with (gitignore syntax). node_modules is
 * reinstallable and often the largest folder in a workspace; .git is kept on
 * purpose, since unpushed history is exactly what people lose.
 */
export const defaultExcludes: readonly string[] = ['node_modules/'];

/** A plan with this schedule runs only when asked. */
export const manualSchedule = 'manual';
