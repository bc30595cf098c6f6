/**
 * The settings panel's document. The Content Security Policy allows nothing
 * but the bundled script (by a nonce made fresh for each render), the
 * stylesheet from media/, and that same nonce for the one <style> element the
 * UI toolkit inserts to probe for :focus-visible (it reads the nonce from the
 * csp-nonce meta tag). The toolkit's own styles are constructed stylesheets,
 * which style-src does not govern, so no 'unsafe-inline' is needed.
 */
import { randomBytes } from 'node:crypto';

export interface PanelResources {
  /** webview.cspSource: the origin asWebviewUri() URIs are served from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function panelHtml(resources: PanelResources, nonce: string): string {
  const csp = [
    "default-src 'none'",
    `style-src ${resources.cspSource} 'nonce-${nonce}'`,
    `font-src ${resources.cspSource}`,
    `img-src ${resources.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta property="csp-nonce" content="${nonce}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${resources.styleUri}">
  <title>Peer Backup Settings</title>
</head>
<body>
  <main id="app" aria-live="polite"><p class="loading">Loading Peer Backup settings...</p></main>
  <script nonce="${nonce}" src="${resources.scriptUri}"></script>
</body>
</html>`;
}
