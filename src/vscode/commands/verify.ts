/**
 * "Verify Backups of a Plan...": is the plan's backup still good at its
 * teammate? The teammate re-hashes what it keeps; with a deeper check this
 * machine also reads the data back (a sample or all of it) and opens it.
 * The outcome is recorded, and the status bar warns while it is bad.
 */
import { countOf, printable, type VerifyResult } from '../../core/app';
import { pickPlan } from '../pickers';
import { showLogAction, offerLog } from '../report-errors';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

interface Depth {
  label: string;
  description: string;
  readData: boolean;
  samplePercent?: number;
}

const depths: Depth[] = [
  { label: 'Quick', description: 'the teammate re-hashes what it keeps; nothing is downloaded', readData: false },
  { label: 'Sample', description: 'also read back and open a tenth of the data', readData: true, samplePercent: 10 },
  { label: 'Full', description: 'also read back and open all of the data', readData: true, samplePercent: 100 },
];

export function verifyCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.verifyPlan': [
      'Verify Backups',
      async (planName?: string) => {
        const app = services.app();
        const plan = typeof planName === 'string' ? await app.plans.get(planName) : await pickPlan(vsc, app, 'Verify the backups of which plan?', { withDestination: true });
        if (!plan) return;
        const depth = await vsc.window.showQuickPick(depths, { placeHolder: `How thoroughly should "${plan.name}" be checked?` });
        if (!depth) return;
        let result: VerifyResult;
        try {
          result = await vsc.window.withProgress(
            { location: vsc.ProgressLocation.Notification, title: `Verifying the backups of "${plan.name}" (${depth.label.toLowerCase()})...`, cancellable: true },
            (_progress, token) => {
              const cancel = new AbortController();
              token.onCancellationRequested(() => cancel.abort());
              return app.verification.verify({ plan: plan.name, readData: depth.readData, samplePercent: depth.samplePercent, signal: cancel.signal });
            },
          );
        } finally {
          // A failed check is recorded too: the status bar shows it either way.
          services.changed();
        }
        const checked = `${countOf(result.snapshots, 'snapshot')}, ${countOf(result.packsChecked, 'pack')} re-hashed${result.chunksRead > 0 ? `, ${countOf(result.chunksRead, 'chunk')} read back` : ''}`;
        if (result.status === 'ok') {
          services.log.info(`Verified "${plan.name}": ${checked}`);
          void vsc.window.showInformationMessage(`The backups of "${plan.name}" are good: ${checked}.`);
          return;
        }
        for (const damaged of result.damaged) services.log.warn(`"${plan.name}": snapshot ${printable(damaged.snapshotId)}: ${printable(damaged.problem)}`);
        const first = result.damaged[0];
        const more = result.damaged.length > 1 ? ` (and ${countOf(result.damaged.length - 1, 'more snapshot')}, in the log)` : '';
        offerLog(
          services.log,
          vsc.window.showWarningMessage(
            `The backups of "${plan.name}" are damaged: snapshot ${printable(first.snapshotId)}: ${printable(first.problem)}${more}. Run the plan again so the teammate gets a good copy, and ask them to check their disk.`,
            showLogAction,
          ),
        );
      },
    ],
  });
}

