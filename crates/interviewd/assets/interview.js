'use strict';
// The candidate's page: the start page's consent and microphone check, the live interview over
// the WebSocket `/i/{token}/ws` (protocol: docs of the candidate page, v1), and the small
// enhancements of the state pages (local times, the busy page's countdown and retry).
//
// Why it is built this way:
// - Everything the server renders works without this script; it only enhances. No build step,
//   no dependency, one classic script, so the page runs under `default-src 'self'`.
// - Every user-visible string comes from the `<script type="application/json" id="strings">`
//   block the server renders from i18n/<lang>.json: a translation is one file.
// - WebSocket messages are queued from the moment the socket exists and handled once the audio
//   player is ready: the server may speak before the worklets have loaded.
// - Screen readers: the transcript is a polite log that only ever receives whole utterances
//   (streamed text is shown in a hidden-from-AT entry that is replaced when final); status and
//   notices are polite status regions; focus moves to what appeared (the answer box, the
//   ended message).

(function () {
  const strings = readStrings();
  const lang = document.documentElement.lang || undefined;
  const assetVersion = scriptVersion();

  /** The string `key`, with `{name}` placeholders filled from `vars`. */
  function t(key, vars) {
    const s = typeof strings[key] === 'string' ? strings[key] : key;
    if (!vars) return s;
    return s.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
  }

  function readStrings() {
    try {
      return JSON.parse(document.getElementById('strings').textContent) || {};
    } catch (_) {
      return {};
    }
  }

  function scriptVersion() {
    try {
      return new URL(document.currentScript.src).searchParams.get('v') || '';
    } catch (_) {
      return '';
    }
  }

  function assetUrl(name) {
    return '/assets/' + name + (assetVersion ? '?v=' + encodeURIComponent(assetVersion) : '');
  }

  const $ = (id) => document.getElementById(id);

  /** Writes `text` into a live region so that it is announced even when it repeats. */
  function say(el, text) {
    if (!el) return;
    if (el.textContent === text && text) {
      el.textContent = '';
      setTimeout(() => { el.textContent = text; }, 50);
    } else {
      el.textContent = text;
    }
  }

  // ---------------------------------------------------------------- state pages

  function localiseTimes() {
    let format;
    try {
      format = new Intl.DateTimeFormat(lang, {
        weekday: 'long', year: 'numeric', month: 'long', day: 'numeric',
        hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
      });
    } catch (_) {
      return;
    }
    for (const el of document.querySelectorAll('time[data-local]')) {
      const when = new Date(el.getAttribute('datetime'));
      if (!Number.isNaN(when.getTime())) el.textContent = format.format(when);
    }
  }

  /** The busy page: a visible countdown, then a quiet check; a free slot reloads the page. */
  function initBusy() {
    const countdown = $('busy-countdown');
    const status = $('busy-status');
    const tryNow = $('try-now');
    if (!countdown || !status) return;
    let wait = clampSeconds(document.body.dataset.retry, 5);
    let left = wait;
    let timer = null;
    let checking = false;
    const show = () => { countdown.textContent = t('state_busy_countdown', { seconds: left }); };
    const schedule = () => {
      clearInterval(timer);
      left = wait;
      countdown.hidden = false;
      show();
      timer = setInterval(() => {
        left -= 1;
        if (left <= 0) check();
        else show();
      }, 1000);
    };
    async function check() {
      if (checking) return;
      checking = true;
      clearInterval(timer);
      say(status, t('state_busy_checking'));
      try {
        const res = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' });
        await res.text(); // read to the end: a reload must not abort it
        if (res.status !== 503) {
          location.reload();
          return;
        }
        wait = clampSeconds(res.headers.get('Retry-After'), wait);
      } catch (_) {
        // Offline for a moment: keep trying at the same pace.
      }
      say(status, t('state_busy_still'));
      checking = false;
      schedule();
    }
    if (tryNow) tryNow.addEventListener('click', (e) => { e.preventDefault(); check(); });
    schedule();
  }

  function clampSeconds(value, fallback) {
    const n = parseInt(value, 10);
    return Number.isFinite(n) && n > 0 ? Math.min(n, 120) : fallback;
  }

  // ---------------------------------------------------------------- audio

  /** One AudioContext at the device's native rate, made on a user gesture, with its worklets. */
  const audio = {
    ctx: null,
    modules: new Map(),
    context() {
      if (!this.ctx) this.ctx = new AudioContext();
      // Not awaited: a context the autoplay policy holds would never resolve.
      if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
      return this.ctx;
    },
    load(name) {
      const ctx = this.context();
      if (!this.modules.has(name)) this.modules.set(name, ctx.audioWorklet.addModule(assetUrl(name)));
      return this.modules.get(name);
    },
  };

  /** The microphone: permission, the capture worklet (16 kHz PCM16 frames) and its level. */
  class Microphone {
    constructor() {
      this.stream = null;
      this.nodes = [];
      this.onFrame = null;
      this.onLevel = null;
    }

    get running() {
      return this.nodes.length > 0;
    }

    /** Starts capturing; resolves to null, or to the i18n key of what went wrong. */
    async start() {
      if (this.running) return null;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.AudioWorkletNode) {
        return 'mic_unsupported';
      }
      const ctx = audio.context();
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
        });
      } catch (err) {
        const name = err && err.name;
        if (name === 'NotAllowedError' || name === 'SecurityError') return 'mic_denied';
        if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'mic_absent';
        return 'mic_failed';
      }
      try {
        await audio.load('pcm-worklet.js');
        const node = new AudioWorkletNode(ctx, 'pcm-capture', {
          numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
          channelCount: 1, channelCountMode: 'explicit', channelInterpretation: 'speakers',
        });
        node.port.onmessage = (e) => {
          if (this.onLevel) this.onLevel(e.data.level);
          if (this.onFrame) this.onFrame(e.data.pcm);
        };
        const source = ctx.createMediaStreamSource(this.stream);
        const silent = ctx.createGain();
        silent.gain.value = 0; // the node must reach the destination to be pulled; nothing is heard
        source.connect(node).connect(silent).connect(ctx.destination);
        this.nodes = [source, node, silent];
        return null;
      } catch (_) {
        this.stop();
        return 'mic_failed';
      }
    }

    /** Muting disables the track: the worklet then sees, and sends, silence. */
    setMuted(muted) {
      if (!this.stream) return;
      for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
    }

    stop() {
      for (const node of this.nodes) node.disconnect();
      this.nodes = [];
      if (this.stream) for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
    }
  }

  /** The agent's voice through playback-worklet.js; reports each utterance as played. */
  class Player {
    constructor() {
      this.node = null;
      this.rate = 16000;
      this.onPlayed = null;
    }

    async start() {
      if (this.node) return;
      await audio.load('playback-worklet.js');
      const node = new AudioWorkletNode(audio.context(), 'pcm-playback', {
        numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1],
      });
      node.port.onmessage = (e) => {
        if (e.data.type === 'played' && this.onPlayed) this.onPlayed(e.data);
        else if (e.data.type === 'overflow') console.warn('agent audio: buffer full,', e.data.dropped, 'samples dropped');
      };
      node.connect(audio.context().destination);
      this.node = node;
      this.setRate(this.rate);
    }

    setRate(rate) {
      this.rate = rate > 0 ? rate : 16000;
      if (this.node) this.node.port.postMessage({ type: 'rate', rate: this.rate });
    }

    push(id, buf) {
      if (this.node) this.node.port.postMessage({ type: 'pcm', id, buf }, [buf]);
    }

    end(id) {
      if (this.node) this.node.port.postMessage({ type: 'end', id });
    }

    clear() {
      if (this.node) this.node.port.postMessage({ type: 'clear' });
    }

    stop() {
      if (this.node) this.node.disconnect();
      this.node = null;
    }
  }

  /** A bar with role="meter": the fill follows the level, aria-valuenow a few times a second. */
  class LevelMeter {
    constructor(meter) {
      this.meter = meter;
      this.fill = meter ? meter.querySelector('.meter-fill') : null;
      this.value = 0;
      this.frame = 0;
      this.announced = 0;
    }

    set(level) {
      if (!this.meter) return;
      this.value = Math.max(level, this.value * 0.8);
      if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
    }

    draw() {
      this.frame = 0;
      this.fill.style.transform = 'scaleX(' + this.value.toFixed(3) + ')';
      const now = Date.now();
      if (now - this.announced > 250) {
        this.announced = now;
        this.meter.setAttribute('aria-valuenow', String(Math.round(this.value * 100)));
      }
    }
  }

  // ---------------------------------------------------------------- transcript

  /** The conversation log: whole utterances only reach assistive technology. */
  class Transcript {
    constructor(el) {
      this.el = el;
      this.streaming = new Map(); // agent utterance id -> entry being streamed
      this.interim = null; // participant caption not final yet
    }

    entry(role, text, streaming) {
      const div = document.createElement('div');
      const agent = role === 'agent';
      div.className = 'entry ' + (agent ? 'agent' : 'you') + (streaming ? ' streaming' : '');
      div.dataset.role = agent ? 'agent' : 'participant';
      if (streaming) div.setAttribute('aria-hidden', 'true');
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = agent ? t('speaker_agent') : t('speaker_you');
      const p = document.createElement('p');
      p.className = 'text';
      p.textContent = text;
      div.append(who, p);
      return div;
    }

    place(el, replacing) {
      const el2 = this.el;
      const atEnd = el2.scrollHeight - el2.scrollTop - el2.clientHeight < 48;
      if (replacing) replacing.replaceWith(el);
      else el2.append(el);
      if (atEnd) el2.scrollTop = el2.scrollHeight;
    }

    add(role, text) {
      this.place(this.entry(role, text, false));
    }

    agentDelta(id, delta) {
      let el = this.streaming.get(id);
      if (!el) {
        el = this.entry('agent', '', true);
        this.streaming.set(id, el);
        this.place(el);
      }
      el.querySelector('.text').textContent += delta;
      if (this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 96) this.el.scrollTop = this.el.scrollHeight;
    }

    agentFinal(id, text) {
      const old = this.streaming.get(id);
      this.streaming.delete(id);
      this.place(this.entry('agent', text, false), old);
    }

    caption(text, final) {
      if (!final) {
        if (!this.interim) {
          this.interim = this.entry('participant', '', true);
          this.place(this.interim);
        }
        this.interim.querySelector('.text').textContent = text;
        return;
      }
      const old = this.interim;
      this.interim = null;
      this.place(this.entry('participant', text, false), old);
    }

    /** On resume: the server's transcript replaces what is shown, announced as one change. */
    rebuild(items) {
      this.el.setAttribute('aria-busy', 'true');
      this.streaming.clear();
      this.interim = null;
      this.el.replaceChildren(...items.map((i) => this.entry(i.role, i.text, false)));
      this.el.scrollTop = this.el.scrollHeight;
      setTimeout(() => this.el.setAttribute('aria-busy', 'false'), 0);
    }
  }

  // ---------------------------------------------------------------- the interview

  const RECONNECT_FOR_MS = 120000;
  const RECONNECT_MAX_DELAY_MS = 30000;
  const ENDED_REASONS = {
    completed: 'ended_completed',
    ended_by_candidate: 'ended_by_candidate',
    revoked: 'ended_revoked',
    deleted: 'ended_deleted',
    idle: 'ended_idle',
    error: 'ended_error',
  };

  class Interview {
    constructor(mic) {
      this.mic = mic;
      this.player = new Player();
      this.player.onPlayed = (p) => this.send({ type: 'played', id: p.id, ms: p.ms });
      this.transcript = new Transcript($('transcript'));
      this.meter = new LevelMeter(document.querySelector('#voice-controls .meter'));
      this.mode = 'text';
      this.voiceOnServer = document.body.dataset.voice === 'true';
      this.state = 'connecting';
      this.ws = null;
      this.inbox = [];
      this.ready = false;
      this.inSession = false; // a `session` arrived on the current socket
      this.hadSession = false; // one ever did: later hellos resume
      this.audioId = null; // utterance the next binary frames belong to
      this.muted = false;
      this.ended = false;
      this.endRequested = false;
      this.droppedAt = null;
      this.attempt = 0;
      this.retryTimer = null;
      this.endTimer = null;
      this.switching = false;
      this.bindControls();
    }

    bindControls() {
      $('text-controls').addEventListener('submit', (e) => { e.preventDefault(); this.sendText(); });
      $('answer').addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          this.sendText();
        }
      });
      $('mute').addEventListener('click', () => this.setMuted(!this.muted));
      $('to-text').addEventListener('click', () => this.switchMode('text'));
      $('to-voice').addEventListener('click', () => this.switchMode('voice'));
      const dialog = $('end-dialog');
      $('end').addEventListener('click', () => {
        if (typeof dialog.showModal === 'function') dialog.showModal();
        else if (window.confirm(t('end_confirm_title'))) this.requestEnd();
      });
      $('end-no').addEventListener('click', () => { dialog.close(); $('end').focus(); });
      $('end-yes').addEventListener('click', () => { dialog.close(); this.requestEnd(); });
    }

    /** Leaves the start page for the interview view, connects, and readies the player. */
    async begin(mode) {
      this.mode = mode;
      $('start').hidden = true;
      $('interview').hidden = false;
      this.showControls();
      this.setState('connecting');
      this.connect();
      if (mode === 'text') $('answer').focus();
      else $('interview-h').focus();
      if (mode === 'voice') await this.readyVoice();
      this.ready = true;
      this.pump();
    }

    async readyVoice() {
      this.mic.onFrame = (pcm) => this.sendFrame(pcm);
      this.mic.onLevel = (level) => this.meter.set(level);
      try {
        await this.player.start();
      } catch (err) {
        console.warn('agent audio unavailable:', err);
      }
    }

    wsUrl() {
      const path = location.pathname.replace(/\/+$/, '');
      return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path + '/ws';
    }

    connect() {
      clearTimeout(this.retryTimer);
      let ws;
      try {
        ws = new WebSocket(this.wsUrl());
      } catch (_) {
        this.dropped();
        return;
      }
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      this.inSession = false;
      ws.onmessage = (e) => {
        if (ws !== this.ws) return;
        this.inbox.push(e.data);
        this.pump();
      };
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'hello', mode: this.mode, resume: this.hadSession }));
      };
      // The close is queued behind the messages that came before it (an `ended` may still be
      // waiting for the player), so it is handled in order.
      ws.onclose = () => {
        if (ws !== this.ws) return;
        this.inbox.push({ closed: ws });
        this.pump();
      };
    }

    send(msg) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
      this.ws.send(JSON.stringify(msg));
      return true;
    }

    sendFrame(pcm) {
      const ws = this.ws;
      if (this.mode !== 'voice' || !this.inSession || !ws || ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > 256 * 1024) return; // a congested link drops audio, not the session
      ws.send(pcm);
    }

    pump() {
      while (this.ready && this.inbox.length > 0 && !this.ended) this.handle(this.inbox.shift());
    }

    handle(data) {
      if (data && data.closed) {
        if (data.closed === this.ws) this.dropped();
        return;
      }
      if (data instanceof ArrayBuffer) {
        this.agentAudio(data);
        return;
      }
      let msg;
      try {
        msg = JSON.parse(data);
      } catch (_) {
        console.warn('ignored a message that is not JSON');
        return;
      }
      switch (msg.type) {
        case 'session': this.onSession(msg); break;
        case 'state': this.setState(msg.state); break;
        case 'agent':
          if (msg.final) this.transcript.agentFinal(msg.id, String(msg.text || ''));
          else this.transcript.agentDelta(msg.id, String(msg.delta || ''));
          break;
        case 'caption':
          if (msg.role === 'participant') this.transcript.caption(String(msg.text || ''), msg.final !== false);
          break;
        case 'audio': this.onAudio(msg); break;
        case 'clear':
          this.player.clear();
          this.audioId = null;
          break;
        case 'ended': this.finish(msg.reason); break;
        case 'error':
          console.warn('server error', msg.code, msg.message);
          say($('notice'), t('error_message'));
          break;
        default: break;
      }
    }

    onSession(msg) {
      const resumed = this.hadSession;
      this.inSession = true;
      this.hadSession = true;
      this.droppedAt = null;
      this.attempt = 0;
      $('reload').hidden = true;
      this.voiceOnServer = msg.voice !== false && document.body.dataset.voice === 'true';
      this.player.setRate(Number(msg.sampleRate) || 16000);
      const items = Array.isArray(msg.transcript) ? msg.transcript : [];
      if (resumed || items.length > 0) this.transcript.rebuild(items);
      if (this.mode === 'voice' && !this.voiceOnServer) {
        this.switchMode('text', t('voice_off_server'));
      } else {
        say($('notice'), resumed ? t('status_reconnected') : '');
      }
      if (this.muted) this.send({ type: 'mute', muted: true });
      this.showControls();
      this.setState('listening');
      if (this.endRequested) this.send({ type: 'end' });
    }

    onAudio(msg) {
      if (msg.end) {
        this.player.end(msg.id);
        if (this.audioId === msg.id) this.audioId = null;
        return;
      }
      if (this.audioId !== null && this.audioId !== msg.id) this.player.end(this.audioId);
      this.audioId = msg.id;
    }

    agentAudio(buf) {
      if (this.mode !== 'voice' || this.audioId === null || buf.byteLength < 2) return;
      this.player.push(this.audioId, buf.byteLength % 2 ? buf.slice(0, buf.byteLength - 1) : buf);
    }

    setState(state) {
      this.state = state;
      const status = $('status');
      const voice = this.mode === 'voice';
      const keys = {
        connecting: 'status_connecting',
        reconnecting: 'status_reconnecting',
        listening: voice ? 'status_listening' : 'status_your_turn',
        thinking: 'status_thinking',
        speaking: voice ? 'status_speaking' : 'status_writing',
      };
      status.dataset.state = state;
      if (keys[state] && status.textContent !== t(keys[state])) status.textContent = t(keys[state]);
      this.updateSend();
    }

    canSend() {
      return this.inSession && this.state === 'listening' && !this.ended;
    }

    updateSend() {
      $('send').setAttribute('aria-disabled', this.canSend() ? 'false' : 'true');
    }

    sendText() {
      const box = $('answer');
      const text = box.value.trim();
      if (!text) {
        say($('notice'), t('answer_empty'));
        return;
      }
      if (!this.canSend()) {
        say($('notice'), this.inSession ? t('send_wait') : t('send_offline'));
        return;
      }
      if (!this.send({ type: 'text', text: text.slice(0, 10000) })) return;
      this.transcript.add('participant', text);
      box.value = '';
      say($('notice'), '');
      this.setState('thinking');
    }

    showControls() {
      const voice = this.mode === 'voice';
      $('voice-controls').hidden = !voice;
      $('text-controls').hidden = voice;
      $('to-voice').hidden = voice || !this.voiceOnServer;
    }

    async switchMode(mode, why) {
      if (mode === this.mode || this.ended || this.switching) return;
      if (mode === 'voice') {
        this.switching = true;
        const err = await this.mic.start();
        if (!err) await this.readyVoice();
        this.switching = false;
        if (err) {
          say($('notice'), t(err));
          return;
        }
        this.mic.setMuted(this.muted);
      } else {
        this.mic.stop();
        this.audioId = null;
      }
      this.mode = mode;
      this.send({ type: 'mode', mode });
      this.showControls();
      this.setState(this.state);
      say($('notice'), why || '');
      if (mode === 'text') $('answer').focus();
      else $('mute').focus();
    }

    setMuted(muted) {
      this.muted = muted;
      this.mic.setMuted(muted);
      $('mute').setAttribute('aria-pressed', muted ? 'true' : 'false');
      this.send({ type: 'mute', muted });
      say($('notice'), t(muted ? 'muted_notice' : 'unmuted_notice'));
    }

    requestEnd() {
      this.endRequested = true;
      say($('status'), t('status_ending'));
      this.send({ type: 'end' });
      // Without an answer (no connection), the page ends on its own side.
      clearTimeout(this.endTimer);
      this.endTimer = setTimeout(() => this.finish('ended_by_candidate'), 5000);
    }

    /** The socket closed without `ended`: retry with backoff for up to two minutes. */
    dropped() {
      this.inSession = false;
      this.audioId = null;
      this.updateSend();
      if (this.ended) return;
      if (this.droppedAt === null) this.droppedAt = Date.now();
      this.setState('reconnecting');
      const elapsed = Date.now() - this.droppedAt;
      if (elapsed >= RECONNECT_FOR_MS) {
        this.giveUp();
        return;
      }
      const delay = Math.min(RECONNECT_MAX_DELAY_MS, 1000 * 2 ** this.attempt, RECONNECT_FOR_MS - elapsed);
      this.attempt += 1;
      this.retryTimer = setTimeout(() => this.connect(), delay);
      // Refused before the session ever started: the link most likely changed state since the
      // start page was loaded (revoked, deleted, busy…), so look at once.
      if (!this.hadSession || this.attempt >= 3) this.probePage();
    }

    /**
     * When the link itself has changed state (revoked, finished…), show that page instead.
     * Once a session ran, a busy or unavailable page is not shown: the retries go on.
     */
    async probePage() {
      const started = this.hadSession;
      try {
        const res = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' });
        const m = /data-page="state" data-kind="(\w+)"/.exec(await res.text());
        const passing = started && m && (m[1] === 'busy' || m[1] === 'unavailable');
        if (m && !passing && !this.inSession && !this.ended) {
          this.ended = true;
          clearTimeout(this.retryTimer);
          location.reload();
        }
      } catch (_) {
        // Still offline.
      }
    }

    giveUp() {
      this.setState('reconnecting');
      say($('status'), '');
      say($('notice'), t('reconnect_failed'));
      $('reload').hidden = false;
    }

    finish(reason) {
      if (this.ended) return;
      this.ended = true;
      if (reason === 'busy') {
        // Every interviewer was taken as the session opened: the link's page now is the busy
        // page, which waits and retries by itself.
        clearTimeout(this.retryTimer);
        location.reload();
        return;
      }
      clearTimeout(this.retryTimer);
      clearTimeout(this.endTimer);
      this.mic.stop();
      this.player.stop();
      if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000);
      for (const id of ['voice-controls', 'text-controls', 'status', 'notice', 'reload']) $(id).hidden = true;
      document.querySelector('#interview .end').hidden = true;
      $('ended-message').textContent = t(ENDED_REASONS[reason] || 'ended_error');
      $('ended-continue').hidden = reason !== 'idle';
      $('ended').hidden = false;
      $('ended-h').focus();
    }
  }

  // ---------------------------------------------------------------- start page

  function initStart() {
    const consent = $('consent');
    const startVoice = $('start-voice');
    const startText = $('start-text');
    const hint = $('consent-hint');
    const voiceAvailable = document.body.dataset.voice === 'true';
    const mic = new Microphone();
    const interview = new Interview(mic);
    const sync = () => {
      startText.disabled = !consent.checked;
      startVoice.disabled = !consent.checked || !voiceAvailable;
      hint.hidden = consent.checked;
    };
    consent.addEventListener('change', sync);
    sync();

    const test = $('mic-test');
    if (test) {
      const status = $('mic-status');
      const meter = new LevelMeter(document.querySelector('#mic-check-level .meter'));
      let heard = false;
      test.addEventListener('click', async () => {
        say(status, t('mic_asking'));
        const err = await mic.start();
        if (err) {
          say(status, t(err));
          return;
        }
        $('mic-check-level').hidden = false;
        say(status, t('mic_ready'));
        mic.onLevel = (level) => {
          meter.set(level);
          if (!heard && level > 0.4) {
            heard = true;
            say(status, t('mic_heard'));
          }
        };
      });
    }

    let starting = false;
    startVoice.addEventListener('click', async () => {
      if (starting || !consent.checked) return;
      starting = true;
      say($('start-status'), t('mic_asking'));
      const err = await mic.start();
      starting = false;
      if (err) {
        say($('start-status'), t(err));
        return;
      }
      interview.begin('voice');
    });
    startText.addEventListener('click', () => {
      if (starting || !consent.checked) return;
      starting = true;
      interview.begin('text');
    });
  }

  // ---------------------------------------------------------------- entry

  const page = document.body.dataset.page;
  if (page === 'state') {
    localiseTimes();
    if (document.body.dataset.kind === 'busy') initBusy();
  } else if (page === 'start') {
    initStart();
  }
})();
