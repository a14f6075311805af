import { newId } from './core/ids.js';
import type { Core } from './core/index.js';
import { hashPassword } from './core/passwords.js';

/** The demo accounts `npm start` creates once; shown in the README and printed on start. */
export const DEMO_PASSWORD = 'carechat-demo';
export const DEMO_USERS = [
  { email: 'dr.okafor@example.com', name: 'Dr. Maya Okafor', role: 'practitioner' },
  { email: 'sam.rivera@example.com', name: 'Sam Rivera', role: 'patient' },
  { email: 'jordan.lee@example.com', name: 'Jordan Lee', role: 'patient' },
] as const;

/** Seeds the demo data unless it is there already. Returns whether anything was created. */
export async function seedDemo(core: Core): Promise<boolean> {
  if (await core.store.findUserByEmail(DEMO_USERS[0].email)) return false;
  const now = core.clock.now().toISOString();
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
      createdAt: now,
    });
  }
  const [practitionerId, patientId] = ids as [string, string];
  const practitioner = { userId: practitionerId, role: 'practitioner' as const, sessionId: 'demo-seed' };
  const patient = { userId: patientId, role: 'patient' as const, sessionId: 'demo-seed' };
  const { conversation } = await core.conversations.open(practitioner, { participant_ids: [patientId] });
  await core.messages.send(practitioner, conversation.id, {
    clientMsgId: 'demo-1',
    content: 'Hello Sam, this is Dr. Okafor. How are you feeling since our last visit?',
  });
  await core.messages.send(patient, conversation.id, {
    clientMsgId: 'demo-2',
    content: 'Much better, thank you. The new dosage seems to help.',
  });
  return true;
}
