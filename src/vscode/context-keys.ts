/**
 * Context keys that say how far this machine is set up. The walkthrough's
 * steps complete on them (onContext), the views' welcome content and menus
 * read them, so each is set from what really happened: a teammate stored,
 * a backup recorded, the registry answering.
 */
import type { RegistryWatch } from './registry-health';
import type { RegistryHost } from './registry-host';
import type { ReceiverSwitch } from './receiver-switch';
import type { Services } from './services';

export const contextKeys = {
  registryAnswers: 'peerBackup.registryAnswers',
  hostingRegistry: 'peerBackup.hostingRegistry',
  hasTeammate: 'peerBackup.hasTeammate',
  /** A plan with designated paths and a teammate: ready to run. */
  hasReadyPlan: 'peerBackup.hasReadyPlan',
  hasBackedUp: 'peerBackup.hasBackedUp',
  receiving: 'peerBackup.receiving',
  allowsSender: 'peerBackup.allowsSender',
} as const;

type Key = (typeof contextKeys)[keyof typeof contextKeys];

export class ContextKeys {
  private readonly values = new Map<Key, boolean>();
  private generation = 0;

  constructor(
    private readonly services: Services,
    private readonly receiver: ReceiverSwitch,
    private readonly registryHost: RegistryHost,
    private readonly registryWatch: RegistryWatch,
  ) {}

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      const app = this.services.app();
      const [teammates, plans, succeeded, allowed] = await Promise.all([
        app.teammates.list(),
        app.plans.list(),
        app.runs.history({ limit: 200 }).then((runs) => runs.some((run) => run.status === 'succeeded')),
        app.receiving.allowed(),
      ]);
      if (generation !== this.generation) return;
      await Promise.all([
        this.set(contextKeys.registryAnswers, this.registryWatch.health.state === 'answers'),
        this.set(contextKeys.hostingRegistry, this.registryHost.hosted !== undefined),
        this.set(contextKeys.hasTeammate, teammates.length > 0),
        this.set(contextKeys.hasReadyPlan, plans.some((plan) => plan.items.length > 0 && plan.destination !== null)),
        this.set(contextKeys.hasBackedUp, succeeded),
        this.set(contextKeys.receiving, this.receiver.status.state === 'on'),
        this.set(contextKeys.allowsSender, allowed.length > 0),
      ]);
    } catch (err) {
      this.services.log.warn(`Updating the walkthrough's progress: ${(err as Error).message}`);
    }
  }

  private async set(key: Key, value: boolean): Promise<void> {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    await this.services.vsc.commands.executeCommand('setContext', key, value);
  }
}
