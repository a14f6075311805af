import type { Appointment, Contact } from '@carechat/protocol';
import { useCarechatClient } from '@carechat/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { CareApi } from './care-api.js';
import { useEventCount } from './use-events.js';

export interface CareData {
  api: CareApi;
  contacts: Contact[] | undefined;
  appointments: Appointment[] | undefined;
  error: unknown;
  reload: () => Promise<void>;
}

/** The dashboard's contacts and appointments, fetched again whenever an appointment changes live. */
export function useCare(): CareData {
  const client = useCarechatClient();
  const api = useMemo(() => new CareApi(client), [client]);
  const [contacts, setContacts] = useState<Contact[]>();
  const [appointments, setAppointments] = useState<Appointment[]>();
  const [error, setError] = useState<unknown>();

  const reload = useCallback(async () => {
    try {
      const [c, a] = await Promise.all([api.contacts(), api.appointments()]);
      setContacts(c);
      setAppointments(a);
      setError(undefined);
    } catch (caught) {
      setError(caught);
    }
  }, [api]);

  const version = useEventCount('appointment_updated');
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch whenever an appointment changed live
  useEffect(() => {
    void reload();
  }, [reload, version]);

  return { api, contacts, appointments, error, reload };
}

/** Appointments that have not ended, soonest first. */
export function upcoming(appointments: readonly Appointment[], now = Date.now()): Appointment[] {
  return appointments
    .filter((a) => Date.parse(a.ends_at) > now)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}
