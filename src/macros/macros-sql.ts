import type { Db, Sql } from '../db/index.ts';
import type { Macro, MacroDefinition } from './types.ts';

export async function listMacros(db: Db): Promise<Macro[]> {
  return db<Macro[]>`select name, text, status, priority, tags, source from macros order by name`;
}

export async function findMacro(db: Db, name: string): Promise<Macro | undefined> {
  const [row] = await db<Macro[]>`select name, text, status, priority, tags, source from macros where name = ${name}`;
  return row;
}

/** Adds or replaces a macro by name; an agent's save takes over one the file had. */
export async function upsertMacro(db: Db, macro: MacroDefinition, source: Macro['source'], by: string | null): Promise<Macro> {
  const [row] = await db<Macro[]>`
    insert into macros (name, text, status, priority, tags, source, created_by, updated_at)
    values (${macro.name}, ${macro.text}, ${macro.status}, ${macro.priority}, ${macro.tags as string[]}, ${source}, ${by}, now())
    on conflict (name) do update set text = excluded.text, status = excluded.status, priority = excluded.priority,
      tags = excluded.tags, source = excluded.source, created_by = excluded.created_by, updated_at = now()
    returning name, text, status, priority, tags, source`;
  return row!;
}

export async function deleteMacro(db: Db, name: string): Promise<boolean> {
  const rows = await db`delete from macros where name = ${name} returning name`;
  return rows.length > 0;
}

/** Makes the file's macros the stored ones it owns: each upserted, the ones it dropped deleted. */
export async function syncConfigMacros(db: Sql, macros: readonly MacroDefinition[]): Promise<void> {
  await db.begin(async (tx) => {
    for (const macro of macros) {
      await tx`
        insert into macros (name, text, status, priority, tags, source, updated_at)
        values (${macro.name}, ${macro.text}, ${macro.status}, ${macro.priority}, ${macro.tags as string[]}, 'config', now())
        on conflict (name) do update set text = excluded.text, status = excluded.status, priority = excluded.priority,
          tags = excluded.tags, source = 'config', created_by = null, updated_at = now()
        where (macros.text, macros.status, macros.priority, macros.tags, macros.source) is distinct from
              (excluded.text, excluded.status, excluded.priority, excluded.tags, 'config')`;
    }
    await tx`delete from macros where source = 'config' and not (name = any(${macros.map((m) => m.name)}::text[]))`;
  });
}

/** What a ticket's placeholders are filled from: the customer's name as the desk knows it. */
export async function macroTicket(db: Db, number: number): Promise<{ number: number; customerName: string | null } | undefined> {
  const [row] = await db<{ number: number; customerName: string | null }[]>`
    select t.number, coalesce(nullif(btrim(c.name), ''), nullif(btrim(i.display_name), '')) as customer_name
    from tickets t join contacts c on c.id = t.contact_id left join identities i on i.id = t.identity_id
    where t.number = ${number}`;
  return row;
}

export async function storedAgentName(db: Db, agent: string): Promise<string | undefined> {
  const [row] = await db<{ name: string }[]>`select name from agent_profiles where agent = ${agent}`;
  return row?.name;
}
