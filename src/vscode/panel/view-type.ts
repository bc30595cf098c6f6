/** The settings panel's webview type: package.json's onWebviewPanel activation and the serializer both name it. */
export const settingsViewType = 'peerBackup.settings';
