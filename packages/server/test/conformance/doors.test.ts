import type { HistoryResponse, Message } from '@carechat/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { moveAppointment } from '../helpers/care.js';
import { DIALECTS } from '../helpers/dialects.js';
import { request, sendHttp, type TestUser } from '../helpers/http.js';
import {
  type Capability,
  type DoorDriver,
  type DoorSession,
  type Outcome,
  TOO_LONG_CONTENT,
} from './door.js';
import { longPollDriver, sseDriver } from './event-drivers.js';
import { restDriver } from './rest-driver.js';
import { socketIoDriver } from './socketio-driver.js';
import { type CarePolicy, MONDAY_10, MONDAY_EVENING, NEXT_MONDAY_10, World } from './world.js';
import { wsDriver } from './ws-driver.js';

/**
 * The door conformance table: every behaviour of docs/protocol.md, written once, run against every
 * door on every dialect. A door is a row (a driver in its own file); a behaviour its wire format
 * lacks is a "not offered" entry in the driver, checked here (the driver must give no way to do it).
 * The policy rows are the same refusal, with the same code, through every door and entry point.
 */

const DOORS: Array<(world: World) => DoorDriver> = [
  (w) => wsDriver(w, false),
  (w) => wsDriver(w, true),
  (w) => sseDriver(w),
  (w) => longPollDriver(w),
  (w) => socketIoDriver(w, 'websocket', true),
  (w) => socketIoDriver(w, 'polling', false),
  (w) => restDriver(w),
];

interface Context {
  world: World;
  door: DoorDriver;
  /** A device of `user` through the door under test (tracked, closed after the behaviour). */
  device(user: TestUser, conversationId: string): Promise<DoorSession>;
  /** A device that hears live events: through the door, or through /ws when the door is not live. */
  watcher(user: TestUser, conversationId: string): Promise<DoorSession>;
}

interface Behaviour {
  name: string;
  /** A policy row: run under every care policy, not only the default. */
  policy?: true;
  /** What the door must offer; a door that documents one of these as not offered is checked for that instead. */
  needs: Capability[];
  run(c: Context): Promise<void>;
}

/** Two people with a live consultation, the doctor connected through the door. */
async function consultationWithDoctor(c: Context) {
  const care = await c.world.careCase();
  return { ...care, doctorDevice: await c.device(care.doctor, care.conversationId) };
}

async function history(c: Context, user: TestUser, conversationId: string): Promise<Message[]> {
  const res = await request<HistoryResponse>(
    c.world.url,
    'GET',
    `/api/conversations/${conversationId}/messages`,
    {
      token: user.token,
    },
  );
  return res.body.messages;
}

function stored(outcome: Outcome<Message>): Message {
  expect(outcome).toMatchObject({ ok: true });
  if (!outcome.ok) throw new Error(`refused: ${outcome.code}`);
  return outcome.value;
}

/**
 * A policy refusal: the patient's send is refused with the same code through every door (by either
 * id on Socket.IO). `codes` names it per policy when the policies differ.
 */
function refusal(
  situation: string,
  codes: string | Record<CarePolicy, string>,
  arrange: (c: Context, care: Awaited<ReturnType<World['careCase']>>) => Promise<string>,
): Behaviour {
  const named =
    typeof codes === 'string'
      ? codes
      : `${codes.appointment} under appointment, ${codes.consultation} under consultation`;
  return {
    name: `refuses a send ${situation}: ${named} (policy)`,
    needs: [],
    policy: true,
    async run(c) {
      const code = typeof codes === 'string' ? codes : codes[c.world.policy];
      const care = await c.world.careCase();
      const conversationId = await arrange(c, care);
      const device = await c.device(care.patient, conversationId);
      expect(await device.send(conversationId, 'Anyone there?')).toEqual({ ok: false, code });
      expect(await device.alive()).toBe(true);
      expect(await history(c, care.patient, conversationId)).toEqual([]);
    },
  };
}

const BEHAVIOURS: Behaviour[] = [
  {
    name: 'sends: the acknowledgement carries the stored message, seq 1',
    needs: [],
    async run(c) {
      const { doctor, conversationId, doctorDevice } = await consultationWithDoctor(c);
      const message = stored(await doctorDevice.send(conversationId, 'Hello from the door', 'first'));
      expect(message).toMatchObject({
        seq: 1,
        sender_id: doctor.user.id,
        content: 'Hello from the door',
        client_msg_id: 'first',
      });
      expect((await history(c, doctor, conversationId)).map((m) => m.message_id)).toEqual([
        message.message_id,
      ]);
    },
  },
  {
    name: 'a retried send (same client_msg_id) returns the same message, stored once',
    needs: [],
    async run(c) {
      const { doctor, conversationId, doctorDevice } = await consultationWithDoctor(c);
      const first = stored(await doctorDevice.send(conversationId, 'Only once', 'retry-me'));
      const again = stored(await doctorDevice.send(conversationId, 'Only once', 'retry-me'));
      expect(again.message_id).toBe(first.message_id);
      expect(again.seq).toBe(1);
      expect(await history(c, doctor, conversationId)).toHaveLength(1);
    },
  },
  {
    name: 'delivers live to every device of the recipient, and to the sender’s other device',
    needs: ['live'],
    async run(c) {
      const { doctor, patient, conversationId, doctorDevice } = await consultationWithDoctor(c);
      const [phone, laptop, doctorTablet] = await Promise.all([
        c.device(patient, conversationId),
        c.device(patient, conversationId),
        c.device(doctor, conversationId),
      ]);
      const message = stored(await doctorDevice.send(conversationId, 'To every device'));
      for (const device of [phone, laptop, doctorTablet]) {
        const got = await device.next!('message', (m) => m.message_id === message.message_id);
        expect(got).toMatchObject({ seq: 1, content: 'To every device', conversation_id: conversationId });
      }
    },
  },
  {
    name: 'resumes after a cut with exactly the missed messages, in seq order, then live',
    needs: ['resume'],
    async run(c) {
      const { doctor, patient, conversationId } = await c.world.careCase();
      await sendHttp(c.world.url, doctor, conversationId, 'seen before the cut');
      for (const n of [2, 3, 4]) await sendHttp(c.world.url, doctor, conversationId, `missed ${n}`);
      const { replayed, session } = await c.door.resume!(patient, conversationId, 1);
      c.world.track(session);
      expect(replayed.map((m) => [m.seq, m.content])).toEqual([
        [2, 'missed 2'],
        [3, 'missed 3'],
        [4, 'missed 4'],
      ]);
      if (session.next) {
        await sendHttp(c.world.url, doctor, conversationId, 'live again');
        const live = await session.next('message', (m) => m.content === 'live again');
        expect(live.seq).toBe(5);
      }
    },
  },
  {
    name: 'edits: the other side hears message_edited',
    needs: ['edit'],
    async run(c) {
      const { patient, conversationId, doctorDevice } = await consultationWithDoctor(c);
      const watcher = await c.watcher(patient, conversationId);
      const message = stored(await doctorDevice.send(conversationId, 'Typo hree'));
      await watcher.next!('message', (m) => m.message_id === message.message_id);
      await watcher.listening?.();
      expect(await doctorDevice.edit!(conversationId, message.message_id, 'Typo here')).toMatchObject({
        ok: true,
      });
      const edited = await watcher.next!('message_edited', (e) => e.message_id === message.message_id);
      expect(edited).toMatchObject({ content: 'Typo here', is_edited: true });
    },
  },
  {
    name: 'deletes: the other side hears message_deleted, without the content',
    needs: ['delete'],
    async run(c) {
      const { patient, conversationId, doctorDevice } = await consultationWithDoctor(c);
      const watcher = await c.watcher(patient, conversationId);
      const message = stored(await doctorDevice.send(conversationId, 'Wrong patient'));
      await watcher.next!('message', (m) => m.message_id === message.message_id);
      await watcher.listening?.();
      expect(await doctorDevice.delete!(conversationId, message.message_id)).toMatchObject({ ok: true });
      const deleted = await watcher.next!('message_deleted', (e) => e.message_id === message.message_id);
      expect(deleted).toMatchObject({ content: '', is_deleted: true });
    },
  },
  {
    name: 'reacts: the other side hears reaction_added',
    needs: ['react'],
    async run(c) {
      const { doctor, patient, conversationId } = await c.world.careCase();
      const sent = await sendHttp(c.world.url, doctor, conversationId, 'Take two a day');
      const [patientDevice, watcher] = await Promise.all([
        c.device(patient, conversationId),
        c.watcher(doctor, conversationId),
      ]);
      const messageId = sent.body.message.message_id;
      await watcher.listening?.();
      expect(await patientDevice.react!(conversationId, messageId, '👍')).toMatchObject({ ok: true });
      const reaction = await watcher.next!('reaction_added', (e) => e.message_id === messageId);
      expect(reaction).toMatchObject({ user_id: patient.user.id, emoji: '👍' });
    },
  },
  {
    name: 'typing reaches the other side, not stored',
    needs: ['typing'],
    async run(c) {
      const { doctor, patient, conversationId } = await c.world.careCase();
      const [patientDevice, watcher] = await Promise.all([
        c.device(patient, conversationId),
        c.watcher(doctor, conversationId),
      ]);
      await watcher.listening?.();
      expect(await patientDevice.typing!(conversationId, true)).toMatchObject({ ok: true });
      const typing = await watcher.next!('typing_indicator', (e) => e.conversation_id === conversationId);
      expect(typing).toMatchObject({ user_id: patient.user.id, is_typing: true });
      expect(await history(c, doctor, conversationId)).toEqual([]);
    },
  },
  {
    name: 'read receipts reach the sender',
    needs: ['read'],
    async run(c) {
      const { doctor, patient, conversationId } = await c.world.careCase();
      await sendHttp(c.world.url, doctor, conversationId, 'Please read');
      const [patientDevice, watcher] = await Promise.all([
        c.device(patient, conversationId),
        c.watcher(doctor, conversationId),
      ]);
      await watcher.listening?.();
      expect(await patientDevice.read!(conversationId, 1)).toMatchObject({ ok: true });
      const receipt = await watcher.next!('read_receipt', (e) => e.user_id === patient.user.id);
      expect(receipt).toMatchObject({ conversation_id: conversationId, seq: 1 });
    },
  },
  {
    name: 'refuses a non-participant with not_participant',
    needs: [],
    async run(c) {
      const { conversationId } = await c.world.careCase();
      const outsider = await c.world.user('practitioner');
      const connected = await c.door.connect(outsider, conversationId);
      // A door that serves one conversation per connection refuses at the door.
      if (!connected.ok) {
        expect(connected.code).toBe('not_participant');
        return;
      }
      const device = c.world.track(connected.value);
      expect(await device.send(conversationId, 'Let me in')).toEqual({ ok: false, code: 'not_participant' });
      expect(await device.alive()).toBe(true);
    },
  },
  refusal(
    'once the appointment is cancelled',
    { appointment: 'appointment_not_accepted', consultation: 'consultation_inactive' },
    async (c, care) => {
      await moveAppointment(c.world.url, care.doctor, care.appointment.id, 'cancel');
      return care.conversationId;
    },
  ),
  refusal('after the consultation expired', 'consultation_expired', async (c, care) => {
    await c.world.at(NEXT_MONDAY_10, care.patient);
    return care.conversationId;
  }),
  refusal('outside the practitioner’s hours', 'outside_schedule', async (c, care) => {
    await c.world.at(MONDAY_EVENING, care.patient);
    return care.conversationId;
  }),
  refusal(
    'in a care team whose appointment was cancelled',
    { appointment: 'appointment_not_accepted', consultation: 'consultation_inactive' },
    async (c, care) => {
      // A care team has no consultation of its own: the appointment rule governs it.
      const team = await c.world.careTeam(care);
      await moveAppointment(c.world.url, care.doctor, care.appointment.id, 'cancel');
      return team;
    },
  ),
  refusal('once the patient blocked the practitioner', 'blocked', async (c, care) => {
    const res = await request(c.world.url, 'PUT', `/api/blocks/${care.doctor.user.id}`, {
      token: care.patient.token,
    });
    if (res.status !== 200) throw new Error(`block: ${res.status}`);
    return care.conversationId;
  }),
  refusal(
    'once either side ended the appointment before it started (it is cancelled)',
    { appointment: 'appointment_not_accepted', consultation: 'consultation_inactive' },
    async (c, care) => {
      const res = await request(c.world.url, 'POST', `/api/appointments/${care.appointment.id}/end`, {
        token: care.patient.token,
      });
      if (res.status !== 200) throw new Error(`end: ${res.status}`);
      return care.conversationId;
    },
  ),
  refusal('in a care team past its visit’s window', 'consultation_expired', async (c, care) => {
    // A care team has no consultation of its own: its members' relationships end with the window.
    const team = await c.world.careTeam(care);
    await c.world.at(NEXT_MONDAY_10, care.patient);
    return team;
  }),
  {
    name: 'refuses an edit outside the practitioner’s hours with outside_schedule (policy)',
    policy: true,
    needs: ['edit'],
    async run(c) {
      const { doctor, conversationId } = await c.world.careCase();
      const sent = await sendHttp(c.world.url, doctor, conversationId, 'Dose: 1 tablet');
      await c.world.at(MONDAY_EVENING, doctor);
      const device = await c.device(doctor, conversationId);
      expect(await device.edit!(conversationId, sent.body.message.message_id, 'Dose: 2 tablets')).toEqual({
        ok: false,
        code: 'outside_schedule',
      });
    },
  },
  {
    name: 'refuses a reaction in an expired consultation with consultation_expired (policy)',
    policy: true,
    needs: ['react'],
    async run(c) {
      const { doctor, patient, conversationId } = await c.world.careCase();
      const sent = await sendHttp(c.world.url, doctor, conversationId, 'See you next week');
      await c.world.at(NEXT_MONDAY_10, patient);
      const device = await c.device(patient, conversationId);
      expect(await device.react!(conversationId, sent.body.message.message_id, '👍')).toEqual({
        ok: false,
        code: 'consultation_expired',
      });
    },
  },
  {
    name: 'refuses to start a conversation without a care relationship: no_care_relationship (policy)',
    policy: true,
    needs: ['start'],
    async run(c) {
      const [patient, stranger] = await Promise.all([c.world.user('patient'), c.world.user('practitioner')]);
      const device = await c.device(patient, 'none');
      expect(await device.start!([stranger.user.id])).toEqual({ ok: false, code: 'no_care_relationship' });
    },
  },
  {
    name: 'refuses content over MAX_MESSAGE_BYTES with message_too_large',
    needs: [],
    async run(c) {
      const { doctor, conversationId, doctorDevice } = await consultationWithDoctor(c);
      expect(await doctorDevice.send(conversationId, TOO_LONG_CONTENT)).toEqual({
        ok: false,
        code: 'message_too_large',
      });
      expect(await doctorDevice.alive()).toBe(true);
      expect(await history(c, doctor, conversationId)).toEqual([]);
    },
  },
  {
    name: 'answers a malformed frame with invalid_request and keeps serving',
    needs: ['malformed'],
    async run(c) {
      const { doctorDevice } = await consultationWithDoctor(c);
      expect(await doctorDevice.malformed!()).toEqual({ ok: false, code: 'invalid_request' });
      expect(await doctorDevice.alive()).toBe(true);
    },
  },
  {
    name: 'refuses an oversize frame its documented way; a new connection works',
    needs: ['oversize'],
    async run(c) {
      const { doctor, conversationId, doctorDevice } = await consultationWithDoctor(c);
      expect(await doctorDevice.oversize!()).toBe(c.door.oversizeRefusal);
      const again = await c.device(doctor, conversationId);
      expect(stored(await again.send(conversationId, 'Still here'))).toMatchObject({ seq: 1 });
    },
  },
];

/** How the table checks a "not offered" entry: the driver gives no way to do it. */
async function offers(door: DoorDriver, capability: Capability, session: DoorSession): Promise<boolean> {
  switch (capability) {
    case 'live':
      return session.next !== undefined;
    case 'resume':
      return door.resume !== undefined;
    default:
      return session[capability] !== undefined;
  }
}

/** The whole table on the default policy; the policy rows under `consultation` too. */
const POLICIES: CarePolicy[] = ['appointment', 'consultation'];

describe.each(DIALECTS.flatMap((d) => POLICIES.map((p) => [d, p] as const)))(
  'door conformance on %s, MESSAGING_POLICY=%s',
  (dialect, policy) => {
    const world = new World(policy);
    const behaviours = policy === 'appointment' ? BEHAVIOURS : BEHAVIOURS.filter((b) => b.policy);
    beforeAll(() => world.start(dialect));
    afterAll(() => world.close());
    beforeEach(() => world.clock.set(MONDAY_10));
    afterEach(() => world.closeSessions());

    describe.each(DOORS.map((make) => make(world)).map((door) => [door.name, door] as const))(
      '%s',
      (_name, door) => {
        const reference = wsDriver(world, false);
        const context: Context = {
          world,
          door,
          async device(user, conversationId) {
            const connected = await door.connect(user, conversationId);
            if (!connected.ok) throw new Error(`${door.name} refused ${connected.code}`);
            return world.track(connected.value);
          },
          async watcher(user, conversationId) {
            const through = door.notOffered.live === undefined ? door : reference;
            const connected = await through.connect(user, conversationId);
            if (!connected.ok) throw new Error(`${through.name} refused ${connected.code}`);
            return world.track(connected.value);
          },
        };

        for (const behaviour of behaviours) {
          const missing = behaviour.needs.filter((need) => door.notOffered[need] !== undefined);
          if (missing.length === 0) {
            it(behaviour.name, () => behaviour.run(context));
            continue;
          }
          it(`${behaviour.name} — not offered by this door: ${missing.map((m) => door.notOffered[m]).join('; ')}`, async () => {
            const { patient, conversationId } = await world.careCase();
            const session = await context.device(patient, conversationId);
            for (const need of missing) {
              expect(door.notOffered[need]?.length).toBeGreaterThan(20);
              expect(await offers(door, need, session)).toBe(false);
            }
          });
        }
      },
    );
  },
);
