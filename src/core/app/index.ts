/**
 * The application layer: the only part of the core that front ends (the CLI
 * and the extension) import. A lint rule keeps them to this file.
 */
export { App, type AppOptions } from './app';
export type { NewPlanRequest, PlanChange, PlanEdit } from './plans';
export { checkNewTeammateLabel, checkNewTeammatePeerId, type Reachability, type ReachedTeammate, type TeammateCheck, type TeammateFigures, type TeammateStatus } from './teammates';
export type { DueRuns, RunNowOptions, SchedulerOptions } from './runs';
export { trustTeammateCopyFlag, type ExportRequest, type ListedSnapshot, type LocalRecord, type PathInSnapshot, type PathVersionsRequest, type RestoreRequest, type RestoreResult } from './snapshots';
export type { PathVersion } from '../restore';
export { portMappingLine, type AllowedSenderUsage, type PortMappingOutcome, type ReceiveOptions, type ReceiverReach } from './receiving';
export type { RecoverRequest, RecoverResult, RecoveryKitView } from './recovery';
export type { ForgetRequest, ForgetResult } from './retention';
export type { VerifyRequest, VerifyResult } from './verify';
export { defaultRetentionPolicy, retentionRules, type RetentionPolicy } from '../retention/policy';
export { hostRegistry, type HostRegistryOptions } from './registry-host';
export { previewSchedule, type SchedulePreview } from './schedule-preview';

// What front ends need to read input and render output; the logic stays behind the App.
export * from '../defaults';
export { codeOf, UserError, type ErrorCode } from '../errors';
export { homeAt, resolveHome, type Home } from '../home';
export { clockTime, countOf, formatBytes, formatDuration, formatTime, timeAgo } from '../human-format';
export { describeProgress, type ProgressLine } from '../progress-text';
export type { BackupSummary, SummaryState } from '../backup-summary';
export { parsePeerId } from '../identity/peer-id';
export type { SecretSlot } from '../identity/shared-identity';
export { batchedLogger, jsonLogger, type Logger } from '../log';
export { printable } from '../printable';
export { parseQuota } from '../quota';
export { resolveRegistryUrl, splitRegistryUrls } from '../registry/registry-url';
export type { RunPhase, RunProgress } from '../runner';
export { localTimeZone, type RunReason, type SchedulerEvent } from '../schedule';
export * as z from '../schema';
export { checkPlanName } from '../store/plans';
export type { AllowedSender, DamagedSnapshot, Destination, Plan, PlanItem, Run, RunStatus, SkippedPath, Verification, VerificationStatus } from '../store';
export type { ExtractReport, PackFileReport, PackProgress } from '../pack';
export type { Receipt } from '../wire/receipt';
export type { RunningReceiver } from '../../receiver/start';
export { registryDefaults } from '../../registry/defaults';
export type { RunningRegistry } from '../../registry/server';
