/** The sandbox page: static HTML and CSS; everything dynamic comes from /sandbox/api as escaped HTML fragments. */
export const SANDBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greenlight sandbox</title>
<style>
  :root { --side: #3f0e40; --side-text: #cfc3cf; --accent: #1264a3; --green: #007a5a; --red: #e01e5a; --line: #e2e2e2; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1c1d; height: 100vh; display: grid; grid-template-columns: 240px 1fr; }
  aside { background: var(--side); color: var(--side-text); padding: 12px 0; overflow-y: auto; }
  aside h1 { color: #fff; font-size: 17px; margin: 0 16px 12px; }
  aside h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; margin: 16px 16px 4px; font-weight: 600; }
  aside button.nav { display: block; width: 100%; text-align: left; background: none; border: 0; color: inherit; font: inherit; padding: 3px 16px; cursor: pointer; }
  aside button.nav:hover { background: #350d36; }
  aside button.nav.active { background: var(--accent); color: #fff; }
  aside label { display: block; margin: 0 16px; font-size: 12px; }
  aside select { width: calc(100% - 32px); margin: 4px 16px 0; font: inherit; padding: 4px; }
  .plays { margin: 4px 16px 0; font-size: 12px; opacity: .8; }
  main { display: grid; grid-template-rows: auto 1fr auto; min-width: 0; height: 100vh; }
  header.top { border-bottom: 1px solid var(--line); padding: 10px 16px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  header.top h2 { margin: 0; font-size: 18px; flex: 1; }
  .clock { font-size: 12px; color: #616061; }
  .panes { display: grid; grid-template-columns: 1fr; overflow: hidden; min-height: 0; }
  .panes.with-thread { grid-template-columns: 1fr 420px; }
  .timeline, .thread { overflow-y: auto; padding: 8px 0; }
  .thread { border-left: 1px solid var(--line); background: #fafafa; }
  .thread-head { display: flex; justify-content: space-between; padding: 4px 16px; font-weight: 700; }
  .thread-count { margin: 4px 16px; color: #616061; font-size: 13px; border-bottom: 1px solid var(--line); }
  .msg { padding: 6px 16px; }
  .msg:hover { background: #f8f8f8; }
  .msg.ephemeral { background: #f4f8fb; border-left: 3px solid var(--accent); }
  .msg-head { font-size: 14px; display: flex; gap: 6px; align-items: center; }
  .avatar { width: 22px; height: 22px; border-radius: 4px; background: var(--green); color: #fff; display: inline-grid; place-items: center; font-size: 12px; font-weight: 700; }
  .app-badge { font-size: 10px; background: #e8e8e8; padding: 0 4px; border-radius: 3px; color: #616061; }
  .only-you { font-size: 12px; color: #616061; }
  time { color: #616061; font-size: 12px; }
  .replies { background: none; border: 0; color: var(--accent); font-weight: 700; cursor: pointer; padding: 2px 0; font-size: 13px; }
  .empty, .not-available { color: #616061; padding: 24px 16px; }
  .not-available { background: #fff8e1; margin: 16px; border-radius: 6px; }
  .composer { border-top: 1px solid var(--line); padding: 10px 16px; display: flex; gap: 8px; }
  .composer input { flex: 1; font: inherit; padding: 8px; border: 1px solid #bbb; border-radius: 6px; }
  .composer .notice { font-size: 13px; color: var(--red); }
  .timers { font-size: 12px; color: #616061; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
  .toast { position: fixed; bottom: 70px; right: 24px; background: #1d1c1d; color: #fff; padding: 8px 12px; border-radius: 6px; max-width: 480px; font-size: 13px; display: none; }
  /* Block Kit */
  .bk-header { font-size: 18px; margin: 4px 0; }
  .bk-section { display: flex; gap: 12px; margin: 4px 0; }
  .bk-section-body { flex: 1; min-width: 0; }
  .bk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
  .bk-context { font-size: 12px; color: #616061; margin: 4px 0; }
  .bk-divider { border: 0; border-top: 1px solid var(--line); margin: 8px 0; }
  .bk-actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0; }
  .bk-btn { font: inherit; font-size: 14px; font-weight: 600; padding: 4px 12px; border-radius: 4px; border: 1px solid #bbb; background: #fff; cursor: pointer; text-decoration: none; color: inherit; }
  .bk-btn.bk-primary { background: var(--green); color: #fff; border-color: var(--green); }
  .bk-btn.bk-danger { color: var(--red); border-color: var(--red); }
  .bk-select { font: inherit; font-size: 14px; padding: 3px; }
  .bk-unsupported { font-size: 12px; color: #8a6d00; background: #fff8e1; padding: 2px 6px; border-radius: 3px; display: inline-block; }
  .mention { background: #e8f5fa; color: var(--accent); border-radius: 3px; padding: 0 2px; }
  code { background: #f6f6f6; border: 1px solid #e0e0e0; border-radius: 3px; padding: 0 3px; color: #c01343; font-size: 13px; }
  pre.code { background: #f6f6f6; border: 1px solid #e0e0e0; padding: 8px; white-space: pre-wrap; }
  .quote { border-left: 3px solid #ddd; padding-left: 8px; display: inline-block; }
  /* modals */
  .overlay { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: none; place-items: center; }
  .overlay.open { display: grid; }
  .modal { background: #fff; border-radius: 8px; width: min(560px, 94vw); max-height: 90vh; display: grid; grid-template-rows: auto 1fr auto auto; box-shadow: 0 10px 40px rgba(0,0,0,.3); }
  .modal-title { font-size: 20px; font-weight: 800; padding: 16px 20px; border-bottom: 1px solid var(--line); }
  .modal-body { overflow-y: auto; padding: 12px 20px; }
  .modal-buttons { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px; border-top: 1px solid var(--line); }
  .modal-error { color: var(--red); padding: 0 20px; font-size: 13px; }
  .bk-input { margin: 12px 0; }
  .bk-label { font-weight: 700; display: block; margin-bottom: 4px; }
  .bk-optional, .bk-hint, .bk-tz { font-weight: 400; color: #616061; font-size: 12px; }
  .bk-control { font: inherit; width: 100%; padding: 6px 8px; border: 1px solid #bbb; border-radius: 4px; }
  .bk-datetime .bk-control { width: auto; }
  .bk-choice { display: block; }
  .bk-error { color: var(--red); font-size: 13px; }
  .stack { font-size: 12px; color: #616061; padding: 0 20px; }
</style>
</head>
<body>
<aside>
  <h1>Greenlight sandbox</h1>
  <label for="user">You are</label>
  <select id="user" data-testid="user-switcher"></select>
  <div class="plays" id="plays"></div>
  <h2>Channels</h2>
  <div id="channels"></div>
  <h2>Apps</h2>
  <button class="nav" data-surface="dm" id="nav-dm">greenlight (DM)</button>
  <button class="nav" data-surface="home" id="nav-home">App Home</button>
</aside>
<main>
  <header class="top">
    <h2 id="title">#general</h2>
    <div class="timers" id="timers"></div>
    <button type="button" class="bk-btn" id="time-travel" title="Moves Greenlight's clock to the next timer and runs it now">⏩ Fire next timer</button>
    <span class="clock" id="clock"></span>
  </header>
  <div class="panes" id="panes">
    <div class="timeline" id="timeline"></div>
    <div class="thread" id="thread" hidden></div>
  </div>
  <form class="composer" id="composer" autocomplete="off">
    <input id="composer-text" placeholder="/release  (try /release help)" aria-label="Message">
    <button type="submit" class="bk-btn bk-primary">Send</button>
  </form>
</main>
<div class="overlay" id="overlay"></div>
<div class="toast" id="toast" role="status"></div>
<script type="module" src="/sandbox/sandbox.js"></script>
</body>
</html>
`;
