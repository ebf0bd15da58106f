"""Versioned schema migrations, tracked in ``PRAGMA user_version``.

Append a new script to :data:`MIGRATIONS` to change the schema; never edit a shipped one.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: people, training records, certificate numbers, documents, event log.
    """
    CREATE TABLE people (
        id_number TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        employer TEXT NOT NULL,
        series TEXT NOT NULL,
        title_level TEXT NOT NULL CHECK (title_level IN ('junior', 'intermediate', 'senior')),
        title_date TEXT NOT NULL,
        region TEXT NOT NULL
    );
    CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        id_number TEXT NOT NULL REFERENCES people(id_number),
        year INTEGER NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('public', 'professional', 'elective')),
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        course_code TEXT NOT NULL,
        minutes INTEGER NOT NULL CHECK (minutes >= 0),
        start_date TEXT,
        end_date TEXT,
        provider TEXT NOT NULL,
        score TEXT,
        role TEXT,
        status TEXT NOT NULL CHECK (status IN ('declared', 'employer_reviewed', 'confirmed'))
    );
    CREATE INDEX activities_person_year ON activities(id_number, year);
    CREATE TABLE serials (
        region TEXT PRIMARY KEY,
        last_serial INTEGER NOT NULL
    );
    CREATE TABLE certificates (
        number TEXT PRIMARY KEY,
        id_number TEXT NOT NULL REFERENCES people(id_number),
        issuer TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (id_number, issuer)
    );
    CREATE TABLE documents (
        number TEXT NOT NULL REFERENCES certificates(number),
        edition INTEGER NOT NULL CHECK (edition >= 1),
        kind TEXT NOT NULL CHECK (kind IN ('original', 'renewal', 'reissue', 'correction')),
        year INTEGER NOT NULL,
        policy_id TEXT NOT NULL,
        hours TEXT NOT NULL,
        payload TEXT NOT NULL,
        pdf_sha256 TEXT NOT NULL UNIQUE,
        pdf_path TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('current', 'superseded', 'revoked')),
        issued_at TEXT NOT NULL,
        PRIMARY KEY (number, edition)
    );
    CREATE INDEX documents_number_year ON documents(number, year);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    """,
    # 2: who confirmed a training record (approval chain, POLICIES.md §6).
    """
    ALTER TABLE activities ADD COLUMN confirmed_by TEXT CHECK (confirmed_by IS NULL OR
        confirmed_by IN ('system', 'employer', 'hr_bureau', 'industry_authority', 'base'));
    """,
    # 3: the life cycle of documents (supersession, revocation) and log checkpoints.
    """
    ALTER TABLE documents ADD COLUMN issue_reason TEXT;
    ALTER TABLE documents ADD COLUMN carried TEXT;
    ALTER TABLE documents ADD COLUMN superseded_by INTEGER;
    ALTER TABLE documents ADD COLUMN status_changed_at TEXT;
    ALTER TABLE documents ADD COLUMN status_reason TEXT;
    ALTER TABLE documents ADD COLUMN status_note TEXT;
    CREATE TABLE checkpoints (
        tree_size INTEGER PRIMARY KEY,
        text TEXT NOT NULL
    );
    CREATE TRIGGER documents_revoked_is_final BEFORE UPDATE ON documents
        WHEN OLD.status = 'revoked'
        BEGIN SELECT RAISE(ABORT, 'a revoked document cannot change'); END;
    """,
    # 4: revocation is final for the number: no new edition under a revoked one.
    """
    CREATE TRIGGER documents_no_edition_after_revocation BEFORE INSERT ON documents
        WHEN EXISTS (
            SELECT 1 FROM documents WHERE number = NEW.number AND status = 'revoked'
        )
        BEGIN SELECT RAISE(ABORT, 'number_revoked: the number has a revoked edition'); END;
    """,
    # 5: the portal: employers, registrations, declared records with their proofs,
    # applications for the year's certificate (docs/portal.md).
    """
    CREATE TABLE employers (
        credit_code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        registered_at TEXT NOT NULL
    );
    CREATE INDEX employers_region ON employers(region, state);
    CREATE TABLE enrolments (
        id_number TEXT PRIMARY KEY REFERENCES people(id_number),
        credit_code TEXT NOT NULL REFERENCES employers(credit_code),
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        registered_at TEXT NOT NULL
    );
    CREATE INDEX enrolments_employer ON enrolments(credit_code, state);
    CREATE TABLE declarations (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        id_number TEXT NOT NULL REFERENCES people(id_number),
        credit_code TEXT NOT NULL,
        region TEXT NOT NULL,
        sector TEXT NOT NULL,
        year INTEGER NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('public', 'professional', 'elective')),
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        course_code TEXT NOT NULL,
        minutes INTEGER NOT NULL CHECK (minutes >= 0),
        start_date TEXT,
        end_date TEXT,
        provider TEXT NOT NULL,
        score TEXT,
        role TEXT,
        state TEXT NOT NULL CHECK (state IN
            ('declared', 'reviewed', 'confirmed', 'returned', 'withdrawn')),
        stage TEXT NOT NULL CHECK (stage IN ('employer', 'authority', 'bureau', 'person', 'done')),
        confirmed_by TEXT,
        reason TEXT,
        activity TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        declared_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE INDEX declarations_person_year ON declarations(id_number, year);
    CREATE INDEX declarations_employer_queue ON declarations(stage, credit_code, id);
    CREATE INDEX declarations_region_queue ON declarations(stage, region, id);
    CREATE INDEX declarations_city_queue ON declarations(stage, substr(region, 1, 4), id);
    CREATE INDEX declarations_province_queue ON declarations(stage, substr(region, 1, 2), id);
    CREATE INDEX declarations_sector_queue ON declarations(stage, sector, id);
    CREATE TABLE proofs (
        declaration INTEGER NOT NULL REFERENCES declarations(id),
        sha256 TEXT NOT NULL,
        filename TEXT NOT NULL,
        media_type TEXT NOT NULL CHECK (media_type IN
            ('application/pdf', 'image/jpeg', 'image/png')),
        size INTEGER NOT NULL,
        PRIMARY KEY (declaration, sha256)
    );
    CREATE INDEX proofs_sha256 ON proofs(sha256);
    CREATE TABLE applications (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        id_number TEXT NOT NULL REFERENCES people(id_number),
        year INTEGER NOT NULL,
        credit_code TEXT NOT NULL,
        region TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('submitted', 'employer_approved', 'approved',
            'issued', 'refused', 'returned', 'withdrawn')),
        reason TEXT,
        number TEXT,
        edition INTEGER,
        version INTEGER NOT NULL DEFAULT 1,
        submitted_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX applications_one_open ON applications(id_number, year)
        WHERE state IN ('submitted', 'employer_approved', 'approved', 'issued');
    CREATE INDEX applications_queue ON applications(state, credit_code, id);
    CREATE INDEX applications_region_queue ON applications(state, region, id);
    CREATE INDEX applications_city_queue ON applications(state, substr(region, 1, 4), id);
    CREATE INDEX applications_province_queue ON applications(state, substr(region, 1, 2), id);
    """,
    # 6: a person's applications by an index (the open-applications index is partial, so
    # reading a person's applications scanned them all).
    """
    CREATE INDEX applications_person ON applications(id_number, year);
    """,
    # 7: the bureau's counter: reissue, renew, correct and revoke asked by a clerk, approved
    # by a second clerk where the damage is greatest, done by the signer (docs/portal.md).
    """
    CREATE TABLE counter_actions (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('reissue', 'renew', 'correct', 'revoke')),
        number TEXT NOT NULL,
        year INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        name TEXT,
        id_number TEXT,
        batch TEXT,
        region TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        second INTEGER NOT NULL CHECK (second IN (0, 1)),
        approved_by TEXT,
        approved_at TEXT,
        state TEXT NOT NULL CHECK (state IN ('awaiting_second', 'queued', 'taking', 'done',
            'failed', 'refused', 'withdrawn')),
        reproven TEXT NOT NULL DEFAULT '[]',
        proofs TEXT NOT NULL DEFAULT '[]',
        accept_shortfall INTEGER NOT NULL DEFAULT 0 CHECK (accept_shortfall IN (0, 1)),
        outcome TEXT,
        detail TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        changed_at TEXT NOT NULL,
        UNIQUE (token, number),
        CHECK (approved_by IS NULL OR approved_by != requested_by)
    );
    CREATE INDEX counter_actions_state ON counter_actions(state, region, id);
    CREATE INDEX counter_actions_number ON counter_actions(number, id);
    CREATE INDEX people_name ON people(name);
    """,
    # 8: training providers (施教机构, 继续教育基地): their registration with the bureau, the
    # class plans they file and the authority or bureau approves, the rosters that make their
    # attendees' records, and the tokens of their API (docs/portal.md).
    """
    CREATE TABLE providers (
        credit_code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        registered_at TEXT NOT NULL
    );
    CREATE INDEX providers_region ON providers(region, state);
    CREATE TABLE class_plans (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL,
        provider TEXT NOT NULL REFERENCES providers(credit_code),
        region TEXT NOT NULL,
        sector TEXT NOT NULL,
        title TEXT NOT NULL,
        category TEXT NOT NULL CHECK (category IN ('public', 'professional', 'elective')),
        course_code TEXT NOT NULL,
        minutes INTEGER NOT NULL CHECK (minutes > 0),
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL CHECK (end_date >= start_date),
        mode TEXT NOT NULL CHECK (mode IN ('face_to_face', 'online')),
        place TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'withdrawn',
            'closed')),
        reason TEXT,
        filed_by TEXT NOT NULL,
        filed_at TEXT NOT NULL,
        decided_by TEXT,
        decided_role TEXT CHECK (decided_role IS NULL OR decided_role IN ('authority',
            'bureau')),
        decided_at TEXT,
        roster_count INTEGER,
        roster_digest TEXT,
        roster_at TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (provider, token)
    );
    CREATE INDEX class_plans_provider ON class_plans(provider, id);
    CREATE INDEX class_plans_sector ON class_plans(state, sector, id);
    CREATE INDEX class_plans_region ON class_plans(state, region, id);
    CREATE TABLE roster_entries (
        plan INTEGER NOT NULL REFERENCES class_plans(id),
        id_number TEXT NOT NULL REFERENCES people(id_number),
        line INTEGER NOT NULL,
        minutes INTEGER NOT NULL CHECK (minutes > 0),
        score TEXT,
        activity TEXT NOT NULL,
        PRIMARY KEY (plan, id_number)
    );
    CREATE TABLE provider_tokens (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL REFERENCES providers(credit_code),
        label TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        made_by TEXT NOT NULL,
        made_at TEXT NOT NULL,
        revoked_by TEXT,
        revoked_at TEXT
    );
    CREATE INDEX provider_tokens_provider ON provider_tokens(provider, id);
    """,
    # 9: the year at a glance: each person's standing on a year's task, judged by the hours
    # engine when the statistics are refreshed (derived, not records: not in the log), and
    # when each year was last refreshed (docs/portal.md).
    """
    CREATE TABLE year_standings (
        year INTEGER NOT NULL,
        id_number TEXT NOT NULL,
        name TEXT NOT NULL,
        region TEXT NOT NULL,
        credit_code TEXT,
        employer TEXT NOT NULL,
        series TEXT NOT NULL,
        title_level TEXT NOT NULL,
        judged INTEGER NOT NULL CHECK (judged IN (0, 1)),
        met INTEGER NOT NULL CHECK (met IN (0, 1)),
        counted INTEGER NOT NULL,
        required INTEGER NOT NULL,
        missing INTEGER NOT NULL,
        public_gap INTEGER NOT NULL,
        professional_gap INTEGER NOT NULL,
        elective_gap INTEGER NOT NULL,
        PRIMARY KEY (year, id_number)
    ) WITHOUT ROWID;
    CREATE INDEX year_standings_short ON year_standings(year, region, missing);
    CREATE INDEX year_standings_employer ON year_standings(year, credit_code, missing);
    CREATE TABLE year_groups (
        year INTEGER NOT NULL,
        region TEXT NOT NULL,
        credit_code TEXT NOT NULL,
        employer TEXT NOT NULL,
        series TEXT NOT NULL,
        title_level TEXT NOT NULL,
        people INTEGER NOT NULL,
        judged INTEGER NOT NULL,
        met INTEGER NOT NULL,
        missing INTEGER NOT NULL,
        public_short INTEGER NOT NULL,
        professional_short INTEGER NOT NULL,
        elective_short INTEGER NOT NULL,
        PRIMARY KEY (year, region, credit_code, employer, series, title_level)
    ) WITHOUT ROWID;
    CREATE INDEX year_groups_employer ON year_groups(year, credit_code);
    CREATE TABLE year_refreshes (
        year INTEGER PRIMARY KEY,
        refreshed_at TEXT NOT NULL,
        people INTEGER NOT NULL,
        log_size INTEGER NOT NULL
    );
    """,
    # 10: Jiangxi's verification of an employer's staff for a year (验证专用章, notice 004 §13),
    # recorded per person (docs/portal.md).
    """
    CREATE TABLE verifications (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        credit_code TEXT NOT NULL REFERENCES employers(credit_code),
        year INTEGER NOT NULL,
        region TEXT NOT NULL,
        verified_by TEXT NOT NULL,
        verified_at TEXT NOT NULL,
        people INTEGER NOT NULL
    );
    CREATE INDEX verifications_employer ON verifications(credit_code, year);
    CREATE TABLE verified_people (
        id_number TEXT NOT NULL REFERENCES people(id_number),
        year INTEGER NOT NULL,
        verification INTEGER NOT NULL REFERENCES verifications(id),
        PRIMARY KEY (id_number, year)
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """Split a migration script into complete SQL statements (triggers hold semicolons)."""
    found: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        found.append(buffer.strip())
    return found
