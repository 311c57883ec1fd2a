/**
 * The playground page the broker serves at /sdk/demo.html (not part of the SDK bundle): produce to
 * a topic and watch a subscription, using /sdk/cometmq.js from the same origin. The module is also
 * left on `window.CometMQ` for the browser console. Message text is shown with textContent only.
 */
export const DEMO_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CometMQ playground</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 2rem; max-width: 56rem; }
  fieldset { margin-bottom: 1rem; } label { margin-right: 1rem; }
  input, textarea { font: inherit; } textarea { width: 100%; height: 4rem; }
  #log { font: 12px ui-monospace, monospace; white-space: pre-wrap; border: 1px solid #ccc; padding: .5rem; min-height: 8rem; }
</style>
</head>
<body>
<h1>CometMQ playground</h1>
<p>Uses the browser SDK served at <code>/sdk/cometmq.js</code>; <code>window.CometMQ</code> holds it in the console.</p>
<fieldset>
  <legend>Where</legend>
  <label>Topic <input id="topic" value="DemoTopic"></label>
  <label>Group <input id="group" value="demo-group"></label>
  <label>Tag <input id="tag" placeholder="(none)"></label>
</fieldset>
<fieldset>
  <legend>Produce</legend>
  <textarea id="body">hello from the browser</textarea>
  <button id="produce">Produce</button>
</fieldset>
<fieldset>
  <legend>Consume</legend>
  <button id="subscribe">Subscribe (ack each)</button> <button id="unsubscribe" disabled>Close</button>
</fieldset>
<div id="log" aria-live="polite"></div>
<script type="module">
  import * as CometMQ from './cometmq.js';
  window.CometMQ = CometMQ;
  const client = new CometMQ.CometClient({ onError: (e) => log('error ' + e.code + ': ' + e.message) });
  const $ = (id) => document.getElementById(id);
  let sub;
  function log(line) {
    const row = document.createElement('div');
    row.textContent = new Date().toISOString().slice(11, 23) + '  ' + line;
    $('log').prepend(row);
  }
  $('produce').onclick = async () => {
    const tag = $('tag').value.trim();
    try {
      const [r] = await client.produce($('topic').value, tag ? { body: $('body').value, tag } : $('body').value);
      log(r.status === 'ok' ? 'produced ' + r.msgId + ' queue ' + r.queueId + ' offset ' + r.queueOffset : 'rejected ' + r.error.code);
    } catch (e) {
      log('produce failed: ' + (e.code ?? '') + ' ' + e.message);
    }
  };
  $('subscribe').onclick = async () => {
    sub = client.subscribe({ topic: $('topic').value, group: $('group').value, tags: $('tag').value.trim() || '*' });
    $('subscribe').disabled = true;
    $('unsubscribe').disabled = false;
    try {
      await sub.ready;
      log('subscribed to ' + sub.topic + ' as ' + sub.group);
      for await (const m of sub) {
        log('received queue ' + m.queueId + ' offset ' + m.queueOffset + ' attempt ' + m.deliveryAttempt + ': ' + m.text());
        m.ack();
      }
      log('subscription closed');
    } catch (e) {
      log('subscription failed: ' + (e.code ?? '') + ' ' + e.message);
    }
    $('subscribe').disabled = false;
    $('unsubscribe').disabled = true;
  };
  $('unsubscribe').onclick = () => sub?.close();
</script>
</body>
</html>
`;
