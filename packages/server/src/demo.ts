import type { Role } from '@carechat/protocol';
import type { Actor } from './core/actor.js';
import { isWithinSchedule } from './core/care/schedule-windows.js';
import { newId } from './core/ids.js';
import type { Core } from './core/index.js';
import { hashPassword } from './core/passwords.js';
import type { AppointmentRecord, ScheduleWindowRecord } from './core/ports/care-store.js';

/** The demo accounts `npm start` creates once; shown in the README and printed on start. */
export const DEMO_PASSWORD = 'carechat-demo';
export const DEMO_USERS = [
  { email: 'dr.okafor@example.com', name: 'Dr. Maya Okafor', role: 'practitioner' },
  { email: 'sam.rivera@example.com', name: 'Sam Rivera', role: 'patient' },
  { email: 'jordan.lee@example.com', name: 'Jordan Lee', role: 'patient' },
  { email: 'alex.morgan@example.com', name: 'Alex Morgan', role: 'patient' },
  { email: 'dr.nair@example.com', name: 'Dr. Priya Nair', role: 'practitioner' },
] as const;

const WEEKDAYS = [1, 2, 3, 4, 5];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Seeds the demo data unless it is there already. Returns whether anything was created. It shows
 * every care relationship: Dr. Okafor (weekday hours) with Sam (an accepted appointment on her next
 * open day: live consultation and chat), Jordan (an appointment waiting for her answer) and Alex (a
 * completed visit past its CONSULTATION_WINDOW_HOURS: readable, read-only under every care
 * policy), and a care team of Sam, Dr. Okafor and Dr. Nair (whom Dr. Okafor added, so Dr. Nair's
 * access lasts while Dr. Okafor's relationship with Sam does). Every visit falls inside Dr.
 * Okafor's published hours. Conversations and messages are written as the system, so seeding
 * works under any MESSAGING_POLICY and at any hour.
 */
export async function seedDemo(core: Core): Promise<boolean> {
  if (await core.store.findUserByEmail(DEMO_USERS[0].email)) return false;
  const now = core.clock.now();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const ids: string[] = [];
  for (const demo of DEMO_USERS) {
    const id = newId('usr');
    ids.push(id);
    await core.store.insertUser({
      id,
      email: demo.email,
      name: demo.name,
      role: demo.role,
      passwordHash,
      createdAt: now.toISOString(),
    });
  }
  const [okafor, sam, jordan, alex, nair] = ids as [string, string, string, string, string];
  const actor = (userId: string, role: Role): Actor => ({ userId, role, sessionId: 'demo-seed' });

  for (const [practitionerId, start, end] of [
    [okafor, '08:00', '18:00'],
    [nair, '09:00', '17:00'],
  ] as const) {
    await core.schedules.replace(practitionerId, {
      windows: WEEKDAYS.map((day) => ({ day_of_week: day, start, end, timezone: 'Europe/London' })),
    });
  }

  const hours = await core.care.listScheduleWindows([okafor]);
  // Sam: accepted for Dr. Okafor's next open day, so the consultation is live and the chat open.
  const samDay = openDay(hours, now, 1, 1, 10);
  const samVisit = await core.appointments.request(actor(sam, 'patient'), {
    practitioner_id: okafor,
    starts_at: at(now, samDay * DAY, 10),
    ends_at: at(now, samDay * DAY, 10.5),
  });
  const accepted = await core.appointments.move(actor(okafor, 'practitioner'), samVisit.id, 'accept');
  const samChat = accepted.consultation?.conversation_id;
  if (samChat) {
    await say(
      core,
      samChat,
      okafor,
      'demo-1',
      'Hello Sam, this is Dr. Okafor. How are you feeling since our last visit?',
    );
    await say(core, samChat, sam, 'demo-2', 'Much better, thank you. The new dosage seems to help.');
  }

  // Jordan: asked for an appointment on the open day after Sam's; Dr. Okafor has not answered yet.
  const jordanDay = openDay(hours, now, samDay + 1, 1, 14);
  await core.appointments.request(actor(jordan, 'patient'), {
    practitioner_id: okafor,
    starts_at: at(now, jordanDay * DAY, 14),
    ends_at: at(now, jordanDay * DAY, 14.5),
  });

  // Alex: seen on an open day long enough ago that the relationship's window
  // (CONSULTATION_WINDOW_HOURS after the visit) closed at least a day ago.
  const windowDays = Math.ceil(core.appointments.consultationWindowMs / DAY) + 1;
  const alexDay = openDay(hours, now, -windowDays - 1, -1, 9);
  const past: AppointmentRecord = {
    id: newId('apt'),
    externalId: null,
    patientId: alex,
    practitionerId: okafor,
    status: 'completed',
    startsAt: at(now, alexDay * DAY, 9),
    endsAt: at(now, alexDay * DAY, 9.5),
    createdAt: new Date(now.getTime() + (alexDay - 4) * DAY).toISOString(),
    updatedAt: at(now, alexDay * DAY, 9.5),
    endedAt: null,
  };
  await core.care.insertAppointment(past);
  const expired = await core.appointments.syncConsultation(past);
  if (expired?.conversationId) {
    await say(core, expired.conversationId, alex, 'demo-3', 'Thank you for seeing me today, doctor.');
    await say(
      core,
      expired.conversationId,
      okafor,
      'demo-4',
      'You are welcome, Alex. Rest well and call if the pain returns.',
    );
  }

  // A care team: Sam with both practitioners; Dr. Okafor (Sam's practitioner) added Dr. Nair.
  const team = await core.conversations.openAsSystem([nair, okafor, sam], null);
  await core.care.putCareTeamMembers([
    { conversationId: team.conversation.id, userId: nair, addedBy: okafor, addedAt: now.toISOString() },
  ]);
  await say(
    core,
    team.conversation.id,
    nair,
    'demo-5',
    'Hi Sam, I am Dr. Nair, joining Dr. Okafor for your follow-up care.',
  );

  // A practice of both practitioners, with its team inbox: Sam (Dr. Okafor's patient) wrote to it.
  const admin = actor('demo-seed', 'admin');
  const practice = await core.practices.create(admin, {
    name: 'Riverside Practice',
    away_notice: 'In an emergency, call your local emergency number.',
  });
  await core.practices.putMember(admin, practice.id, okafor, 'practitioner');
  await core.practices.putMember(admin, practice.id, nair, 'practitioner');
  const { conversation: teamChat } = await core.teamInbox.open(actor(sam, 'patient'), practice.id, undefined);
  await say(core, teamChat.id, sam, 'demo-6', 'Hello, could someone renew my blood pressure prescription?');
  return true;
}

/**
 * The first day offset from `from` (stepping by `step` days) whose `hourUtc` falls inside the
 * practitioner's published hours; `from` itself when they publish none.
 */
function openDay(
  hours: readonly ScheduleWindowRecord[],
  now: Date,
  from: number,
  step: 1 | -1,
  hourUtc: number,
): number {
  for (let day = from; Math.abs(day - from) < 14; day += step) {
    if (isWithinSchedule(hours, new Date(at(now, day * DAY, hourUtc)))) return day;
  }
  return from;
}

/** An ISO instant `offsetMs` from now, at `hourUtc` o'clock UTC on that day. */
function at(now: Date, offsetMs: number, hourUtc: number): string {
  const day = new Date(now.getTime() + offsetMs);
  day.setUTCHours(0, 0, 0, 0);
  return new Date(day.getTime() + hourUtc * HOUR).toISOString();
}

/** A message written as the system would (no policy check, no delivery: nobody is connected yet). */
async function say(
  core: Core,
  conversationId: string,
  senderId: string,
  clientMsgId: string,
  content: string,
) {
  await core.store.appendMessage({
    id: newId('msg'),
    conversationId,
    senderId,
    clientMsgId,
    content,
    replyTo: null,
    attachments: [],
    createdAt: core.clock.now().toISOString(),
  });
}
