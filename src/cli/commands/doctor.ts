/** `peer-backup doctor <teammate>`: connect to a teammate as a backup would, and show what the connection proved. */
import type { Command } from 'commander';
import { formatBytes, printable, UserError, type ReachedTeammate, type TeammateCheck } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';
import { table } from '../format';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('connect to a teammate and show the TLS connection, the peer ID its certificate proves, and the room they allow you (sends no data)')
    .argument('<teammate>', 'their label or peer ID')
    .option(...registryOption)
    .action(async (teammate: string, options: { registry?: string }, command: Command) => {
      const global = globalOptions(command);
      await withApp(
        global,
        async (app) => {
          const check = await app.teammates.check(teammate);
          const me = (await app.identity()).peerId;
          report(global, check, () => describeCheck(check, me));
          if (!check.reached) {
            const reasons = check.failures.map((failure) => `${failure.url}: ${failure.reason}`).join('; ');
            throw new UserError(`${nameOf(check)} did not prove itself at any address it announced: ${reasons || 'it announced none'}`, { code: 'peer-offline' });
          }
        },
        options.registry,
      );
    });
}

function nameOf(check: TeammateCheck): string {
  return check.label ? `${check.label} (${check.peerId})` : check.peerId;
}

/** `me`: our peer ID, for the command a teammate who has not allowed us must run. */
function describeCheck(check: TeammateCheck, me: string): string {
  const lines = [nameOf(check)];
  for (const failure of check.failures) lines.push(`not at ${failure.url}: ${printable(failure.reason)}`);
  if (check.reached) lines.push(describeReached(check.reached, check.peerId, me));
  return lines.join('\n');
}

function describeReached(reached: ReachedTeammate, peerId: string, me: string): string {
  const room =
    reached.allowed && reached.quotaBytes !== null
      ? `yes, ${formatBytes(reached.usedBytes ?? 0)} of ${formatBytes(reached.quotaBytes)} used`
      : `no: ask your teammate to run "peer-backup allow ${me} --quota 10GB"`;
  return table([
    ['reached', reached.url],
    ['TLS', `${reached.protocol}, ${reached.cipher}`],
    ['peer ID', `${reached.provenPeerId}, proven by its certificate${reached.provenPeerId === peerId ? ' (matches)' : ''}`],
    ['key SHA-256', reached.keyFingerprint],
    ['pinned key', reached.pinnedKeyMatches === null ? 'none yet (the first backup pins it)' : reached.pinnedKeyMatches ? 'matches' : 'differs'],
    ['allowed', room],
  ]);
}
