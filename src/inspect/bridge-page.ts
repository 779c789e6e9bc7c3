/**
 * The relay's page: it embeds the inspector at `inspectorUrl` and hands it
 * what the relay sends, holding messages back until the inspector says it
 * is connected. It connects back to whatever host and port served it.
 */
export function bridgePage(inspectorUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <title>Stately Inspector: xstate-workpool</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src=${JSON.stringify(inspectorUrl)}></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer.splice(0)) iframe.contentWindow.postMessage(event, '*');
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}
