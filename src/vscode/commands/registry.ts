/**
 * The registry commands: host one on this machine (and stop it), copy the URL
 * teammates should use, and change the registry this editor uses.
 */
import { UserError } from '../../core/app';
import { problemWith } from '../pickers';
import { whenChosen } from '../report-errors';
import { checkRegistryUrl, writeSetting } from '../settings';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const copyUrlAction = 'Copy URL';
const stopHostingAction = 'Stop Hosting';

export function registryCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services, registryHost, registryWatch } = context;

  const copyShareUrl = async (): Promise<string> => {
    const url = registryHost.hosted?.shareUrl ?? services.settings().registryUrl;
    await vsc.env.clipboard.writeText(url);
    return url;
  };

  return guardedCommands(context, {
    'peerBackup.hostRegistry': [
      'Host a Registry on This Machine',
      async () => {
        const hosted = await registryHost.start();
        await writeSetting(vsc, 'registryUrl', hosted.localUrl);
        await registryWatch.check();
        const choice = vsc.window.showInformationMessage(
          `This machine hosts the registry: teammates set their registry URL to ${hosted.shareUrl}.`,
          copyUrlAction,
          stopHostingAction,
        );
        whenChosen(choice, copyUrlAction, () => copyShareUrl());
        whenChosen(choice, stopHostingAction, () => vsc.commands.executeCommand('peerBackup.stopHostingRegistry'));
      },
    ],

    'peerBackup.stopHostingRegistry': [
      'Stop Hosting the Registry',
      async () => {
        if (!registryHost.hosted) throw new UserError('This window hosts no registry: "Peer Backup: Host a Registry on This Machine" starts one.');
        await registryHost.stop();
        await registryWatch.check();
        void vsc.window.showInformationMessage('Stopped hosting the registry. Teammates who use it cannot find each other until it runs again.');
      },
    ],

    'peerBackup.copyRegistryUrl': [
      'Copy Registry URL for Teammates',
      async () => {
        const url = await copyShareUrl();
        void vsc.window.showInformationMessage(`Copied ${url}: teammates set their registry URL to it.`);
      },
    ],

    'peerBackup.changeRegistryUrl': [
      'Change Registry URL',
      async () => {
        const typed = await vsc.window.showInputBox({
          title: 'Registry URL',
          prompt: 'The registry every teammate uses, as http://HOST:PORT (or run "Peer Backup: Host a Registry on This Machine")',
          value: services.settings().registryUrl,
          ignoreFocusOut: true,
          validateInput: (text) => problemWith(checkRegistryUrl, text),
        });
        if (typed === undefined) return;
        await writeSetting(vsc, 'registryUrl', checkRegistryUrl(typed));
        const health = await registryWatch.check();
        if (health.state === 'failing') throw new UserError(health.message);
        void vsc.window.showInformationMessage(`The registry at ${health.url} answers.`);
      },
    ],
  });
}
