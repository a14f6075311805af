import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { openWindowAt } from '../src/core/care/schedule-windows.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { careStoreFor } from '../src/store/care-kysely-store.js';
import { acceptedAppointment, moveAppointment, putSchedule, signInAgain } from './helpers/care.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { registerUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** Monday 5 January 2026, 07:30 UTC: 08:30 in Paris, half an hour before the window opens. */
const BEFORE_WINDOW = '2026-01-05T07:30:00.000Z';
const WINDOWS = [
  { day_of_week: 1, start: '09:00', end: '17:00', timezone: 'Europe/Paris' },
  { day_of_week: 2, start: '09:00', end: '12:00', timezone: 'Europe/Paris' },
];

describe.each(DIALECTS)('doctor_ready across two nodes on %s', (dialect) => {
  const clock = new ManualClock(BEFORE_WINDOW);
  let shared: TestStore;
  let nodeA: TestServer;
  let nodeB: TestServer;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    shared = await createTestStore(dialect);
    const bus = new MemoryBus();
    const env = { MESSAGING_POLICY: 'consultation' };
    nodeA = await startServer({ dialect, clock, env, shared: { store: shared, bus } });
    nodeB = await startServer({ dialect, clock, env, shared: { store: shared, bus } });
  });
  beforeEach(() => clock.set(BEFORE_WINDOW));
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await nodeA.close();
    await nodeB.close();
    await shared.dispose();
  });

  async function connect(server: TestServer, token: string): Promise<TestSocket> {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token });
    sockets.push(socket);
    return socket;
  }

  async function liveConsultation() {
    const [doctor, patient] = await Promise.all([
      registerUser(nodeA.url, { name: 'Dr. Ready', role: 'practitioner' }),
      registerUser(nodeA.url, { name: 'Waiting Patient' }),
    ]);
    await putSchedule(nodeA.url, doctor, WINDOWS);
    const appointment = await acceptedAppointment(
      nodeB.url,
      patient,
      doctor,
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:30:00.000Z',
    );
    return { doctor, patient, appointment };
  }

  /** Both nodes check at the same moment, as their timers would. Returns how many were sent in all. */
  async function checkBothNodes(): Promise<number> {
    const counts = await Promise.all([
      nodeA.app.core.doctorReady.check(),
      nodeB.app.core.doctorReady.check(),
    ]);
    return counts.reduce((a, b) => a + b, 0);
  }

  const readyFrames = (socket: TestSocket, consultationId: string) =>
    socket.frames.filter((f) => f.type === 'doctor_ready' && f.consultation_id === consultationId);

  it('is sent once per window, by exactly one node, to every device of the patient', async () => {
    const { doctor, patient, appointment } = await liveConsultation();
    const consultation = appointment.consultation!;
    const [phone, laptop, doctorSocket] = await Promise.all([
      connect(nodeA, patient.token),
      connect(nodeB, patient.token),
      connect(nodeA, doctor.token),
    ]);

    expect(await checkBothNodes()).toBe(0);
    clock.set('2026-01-05T08:00:30.000Z');
    await checkBothNodes();
    for (const device of [phone, laptop]) {
      const frame = await device.next('doctor_ready', (f) => f.consultation_id === consultation.id);
      expect(frame).toEqual({
        type: 'doctor_ready',
        consultation_id: consultation.id,
        conversation_id: consultation.conversation_id,
        doctor_id: doctor.user.id,
        message: 'Doctor is now available',
      });
    }
    // Every minute after that, inside the same window: nothing more.
    for (const minute of ['08:01', '08:30', '12:00', '15:59']) {
      clock.set(`2026-01-05T${minute}:00.000Z`);
      expect(await checkBothNodes()).toBe(0);
    }
    // Tuesday's window is another occurrence: once more.
    clock.set('2026-01-06T08:10:00.000Z');
    expect(await checkBothNodes()).toBe(1);
    await Promise.all([phone.roundTrip(), laptop.roundTrip(), doctorSocket.roundTrip()]);
    expect(readyFrames(phone, consultation.id)).toHaveLength(2);
    expect(readyFrames(laptop, consultation.id)).toHaveLength(2);
    // It is for the patient; the practitioner's devices do not get it.
    expect(doctorSocket.frames.filter((f) => f.type === 'doctor_ready')).toEqual([]);
  });

  it('is sent when the practitioner comes online inside a window, without waiting for a check', async () => {
    const { doctor, patient, appointment } = await liveConsultation();
    clock.set('2026-01-05T09:15:00.000Z');
    await Promise.all([signInAgain(nodeA.url, doctor), signInAgain(nodeA.url, patient)]);
    const phone = await connect(nodeB, patient.token);
    await connect(nodeA, doctor.token);
    await phone.next('doctor_ready', (f) => f.consultation_id === appointment.consultation!.id);
    // The periodic checks of both nodes then find it sent already.
    expect(await checkBothNodes()).toBe(0);
    // A second device of the practitioner coming online does not repeat it.
    await connect(nodeB, doctor.token);
    await phone.roundTrip();
    expect(readyFrames(phone, appointment.consultation!.id)).toHaveLength(1);
  });

  it('is sent by another node when the node that claimed it died before publishing', async () => {
    const { doctor, patient, appointment } = await liveConsultation();
    const consultation = appointment.consultation!;
    const phone = await connect(nodeB, patient.token);
    // A third node claimed Monday's window at 08:00:30 and died before it published anything.
    clock.set('2026-01-05T08:00:30.000Z');
    const care = careStoreFor(shared.store);
    const open = openWindowAt(await care.listScheduleWindows([doctor.user.id]), clock.now());
    expect(
      await care.claimDoctorReady(
        consultation.id,
        open!.key,
        'node-c',
        clock.now().toISOString(),
        '2026-01-05T08:01:00.000Z',
      ),
    ).toBe(true);
    // While its claim holds, the living nodes leave it alone…
    expect(await checkBothNodes()).toBe(0);
    // …and once it lapses, exactly one of them sends it, exactly once.
    clock.set('2026-01-05T08:01:30.000Z');
    expect(await checkBothNodes()).toBe(1);
    await phone.next('doctor_ready', (f) => f.consultation_id === consultation.id);
    clock.set('2026-01-05T09:00:00.000Z');
    expect(await checkBothNodes()).toBe(0);
    await phone.roundTrip();
    expect(readyFrames(phone, consultation.id)).toHaveLength(1);
  });

  it('is not sent for a cancelled or expired consultation, nor outside the schedule', async () => {
    const cancelled = await liveConsultation();
    await moveAppointment(nodeA.url, cancelled.doctor, cancelled.appointment.id, 'cancel');
    const expired = await liveConsultation();
    const phones = await Promise.all([
      connect(nodeA, cancelled.patient.token),
      connect(nodeA, expired.patient.token),
    ]);
    // Saturday: no window.
    clock.set('2026-01-10T10:00:00.000Z');
    expect(await checkBothNodes()).toBe(0);
    // Two Mondays later the window is open, but the consultation expired 72 h after the appointment.
    clock.set('2026-01-19T10:00:00.000Z');
    await checkBothNodes();
    await Promise.all(phones.map((p) => p.roundTrip()));
    for (const phone of phones) expect(phone.frames.filter((f) => f.type === 'doctor_ready')).toEqual([]);
  });
});
