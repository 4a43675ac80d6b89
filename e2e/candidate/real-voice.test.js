'use strict';
// A spoken interview at a real invite link: Chromium's fake microphone plays two answers said
// by piper (one WAV, with silences long enough for the interviewer's turns), the server hears
// them through its end-of-turn detector and the real speech-to-text, answers aloud through
// the real text-to-speech, and the page plays every utterance and reports it played. The Rust
// test `candidate_browser::a_spoken_interview_with_real_speech_engines_in_a_real_browser`
// starts the server (pointed at tools/speech-server.py), passes the link in
// INTERVIEWD_E2E_INVITE_URL, and checks the stored transcript and the two-channel recording.
//
// The microphone starts when "Start by voice" is pressed. The opening (greeting and first
// question, ~9 s spoken) plays first, so the WAV is: LEAD s of silence, answer 1, GAP s of
// silence (end of turn 1 s + recognition + the next question spoken), answer 2, silence.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const h = require('../lib');
const f = require('./fixtures');
const { realProblems } = require('./helpers');
const { needsServer, recordSocket, shoot, assertAccessible, settledTranscript, wavData } = require('./real-helpers');

const t = f.strings;
const URL = process.env.INTERVIEWD_E2E_INVITE_URL;
const ANSWER_1 = 'I have five years of experience with Rust and PostgreSQL.';
const ANSWER_2 = 'I led a team that built a payment service.';
const LEAD_S = 14;
const GAP_S = 9;
const TAIL_S = 4;

/** The fake microphone's WAV: silence, answer 1, silence, answer 2, silence. */
function microphoneWav(dir) {
  const pad = process.env.INTERVIEWD_ANSWER_PAD;
  const silence = (s) => Buffer.alloc(Math.round(s * 16000) * 2);
  try {
    process.env.INTERVIEWD_ANSWER_PAD = '0 0';
    const one = wavData(h.makeAnswerWav(ANSWER_1, path.join(dir, 'one.wav')));
    const two = wavData(h.makeAnswerWav(ANSWER_2, path.join(dir, 'two.wav')));
    const pcm = Buffer.concat([silence(LEAD_S), one, silence(GAP_S), two, silence(TAIL_S)]);
    const out = path.join(dir, 'answers.wav');
    fs.writeFileSync(out, h.wavFromPcm16(pcm));
    return { file: out, seconds: pcm.length / 32000 };
  } finally {
    if (pad === undefined) delete process.env.INTERVIEWD_ANSWER_PAD;
    else process.env.INTERVIEWD_ANSWER_PAD = pad;
  }
}

test('a spoken interview through the fake microphone and the real speech engines', { skip: needsServer('INTERVIEWD_E2E_INVITE_URL') }, async (tc) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interviewd-voice-'));
  tc.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const wav = microphoneWav(dir);
  tc.diagnostic(`fake microphone: ${wav.seconds.toFixed(1)} s`);
  const b = await h.launch({ fakeMicWav: wav.file, timeoutMs: 20_000, viewport: { width: 760, height: 560 } });
  try {
    const { page } = b;
    const problems = h.watchProblems(page);
    const socket = recordSocket(page);
    await page.goto(URL);
    assert.equal(await page.getAttribute('body', 'data-voice'), 'true', 'voice is offered');
    await page.check('#consent');
    const started = Date.now();
    await page.click('#start-voice');
    await page.waitForSelector('#voice-controls:not([hidden])');
    await assertAccessible(page, 'the voice interview view');

    // The opening, then the first answer heard and answered aloud.
    await settledTranscript(page, 3, 60_000);
    await shoot(page, 'interview-voice');
    try {
      await page.waitForSelector('#ended:not([hidden])', { timeout: 90_000 });
    } finally {
      console.log(`the page's socket, from hello:\n${socket.timeline()}`);
    }
    tc.diagnostic(`interview took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(await page.textContent('#ended-message'), t.ended_completed);
    const shown = await settledTranscript(page, 5);
    tc.diagnostic(`transcript shown: ${JSON.stringify(shown.map((e) => e.text))}`);
    assert.deepEqual(shown.map((e) => e.role), ['agent', 'participant', 'agent', 'participant', 'agent']);
    // Whisper writes the number either way ("five years", "5 years") from run to run.
    assert.match(shown[1].text.toLowerCase(), /(five|5) years/);
    assert.equal(shown[2].text, 'Tell me about SQL indexes.');
    assert.match(shown[3].text.toLowerCase(), /payment service/);

    // The protocol as it went: hello voice, microphone frames of 20 ms, every utterance
    // announced, sent as audio, ended, and reported played.
    const got = socket.received;
    assert.deepEqual(socket.sent[0], { type: 'hello', mode: 'voice', resume: false });
    const session = got.find((m) => m.type === 'session');
    assert.equal(session.voice, true);
    assert.equal(session.sampleRate, 16000);
    assert.ok(socket.binarySent.length > 1000, `${socket.binarySent.length} microphone frames`);
    assert.deepEqual([...new Set(socket.binarySent)], [640], 'every microphone frame is 640 bytes');
    const captions = got.filter((m) => m.type === 'caption').map((m) => m.text);
    assert.equal(captions.length, 2, JSON.stringify(captions));
    const finals = got.filter((m) => m.type === 'agent' && m.final).map((m) => m.id);
    assert.equal(finals.length, 3);
    for (const id of finals) {
      assert.ok(got.some((m) => m.type === 'audio' && m.id === id && !m.end), `audio announced for ${id}`);
      assert.ok(got.some((m) => m.type === 'audio' && m.id === id && m.end), `audio end for ${id}`);
    }
    const agentBytes = socket.binaryReceived.reduce((a, n) => a + n, 0);
    assert.ok(agentBytes > 10 * 32000, `${agentBytes} bytes of agent audio`);
    const played = socket.sent.filter((m) => m.type === 'played');
    for (const id of finals.slice(0, 2)) {
      const p = played.find((m) => m.id === id);
      assert.ok(p && p.ms > 1000, `utterance ${id} reported played: ${JSON.stringify(played)}`);
    }
    const cleared = got.filter((m) => m.type === 'clear').length;
    if (cleared) tc.diagnostic(`${cleared} barge-in(s): an answer overlapped the agent's voice`);
    assert.deepEqual(got.at(-1), { type: 'ended', reason: 'completed', message: 'The interview is complete.' });
    assert.deepEqual(realProblems(problems), []);
  } finally {
    await b.close();
  }
});
