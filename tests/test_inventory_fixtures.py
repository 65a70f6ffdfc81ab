"""The inventories of the fixture projects, checked cell by cell (JSON).

The shop example runs with its default rules (its seeded problems are the
point); the fixture projects run with `--select DBL1` so that their finding cells
stay those of the DBL1xx markers, while tables, metadata, tracking and revisions
come from the project index whatever the selection.

File rows: path -> (context, interactions, tables_defined,
tables_created_outside_migrations, metadata, findings, risk).
Table rows: (table, schema, defined_at, metadata, tracked, created_by_revision,
created_outside_migrations, findings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_tool

REPO = Path(__file__).resolve().parents[1]
FILE_CELLS = ("context", "interactions", "tables_defined", "tables_created_outside_migrations", "metadata", "findings", "risk")
TABLE_CELLS = (
    "table", "schema", "defined_at", "metadata", "tracked", "created_by_revision", "created_outside_migrations", "findings",
)

SHOP_FILES = {
    'migrations/env.py': ('alembic-env', ['alembic-env'], [], [], [], {}, 'low'),
    'migrations/versions/0a1b2c3d4e5f_initial.py': ('migration', ['migration-op'], [], [], [], {}, 'low'),
    'migrations/versions/1b2c3d4e5f6a_add_orders.py': ('migration', ['migration-op'], [], [], [], {'DBL401': 1}, 'medium'),
    'migrations/versions/2c3d4e5f6a7b_add_discount_codes.py': ('migration', ['migration-op'], [], [], [], {'DBL401': 1}, 'medium'),
    'scripts/admin_reset.py': ('app', ['ddl', 'create-all'], [], ['customers', 'discount_codes', 'orders', 'products'], ['shop.db:Base.metadata'], {'DBL101': 1, 'DBL105': 1}, 'high'),
    'scripts/import_legacy.py': ('app', ['query', 'raw-sql', 'ddl'], [], ['legacy_customers'], [], {'DBL102': 1}, 'high'),
    'scripts/reports.py': ('app', ['core-table', 'query', 'raw-sql', 'ddl'], ['daily_sales'], ['daily_sales'], ['scripts.reports:report_metadata'], {'DBL104': 1, 'DBL201': 1, 'DBL202': 1}, 'high'),
    'shop/analytics.py': ('app', ['orm-model'], ['cart_events', 'page_views'], [], ['shop.analytics:AnalyticsBase.metadata'], {'DBL201': 2, 'DBL202': 1}, 'high'),
    'shop/db.py': ('app', ['session'], [], [], ['shop.db:Base.metadata'], {}, 'low'),
    'shop/main.py': ('app', ['session', 'query', 'create-all'], [], ['customers', 'discount_codes', 'orders', 'products'], ['shop.db:Base.metadata'], {'DBL101': 1}, 'high'),
    'shop/models.py': ('app', ['orm-model'], ['customers', 'discount_codes', 'orders', 'products'], [], ['shop.db:Base.metadata'], {'DBL301': 1}, 'high'),
}
SHOP_TABLES = [
    ('cart_events', None, ['shop/analytics.py:23'], 'shop.analytics:AnalyticsBase.metadata', False, None, [], {'DBL201': 1}),
    ('customers', None, ['shop/models.py:11'], 'shop.db:Base.metadata', True, '0a1b2c3d4e5f', ['scripts/admin_reset.py:14 (create_all)', 'shop/main.py:19 (create_all)'], {'DBL101': 2}),
    ('daily_sales', None, ['scripts/reports.py:8'], 'scripts.reports:report_metadata', False, None, ['scripts/reports.py:18 (Table.create)'], {'DBL104': 1, 'DBL201': 1}),
    ('discount_codes', None, ['shop/models.py:42'], 'shop.db:Base.metadata', True, '2c3d4e5f6a7b', ['scripts/admin_reset.py:14 (create_all)', 'shop/main.py:19 (create_all)'], {'DBL101': 2}),
    ('legacy_customers', None, [], None, False, None, ['scripts/import_legacy.py:12 (CREATE TABLE)'], {'DBL102': 1}),
    ('orders', None, ['shop/models.py:30'], 'shop.db:Base.metadata', True, '1b2c3d4e5f6a', ['scripts/admin_reset.py:14 (create_all)', 'shop/main.py:19 (create_all)'], {'DBL101': 2, 'DBL301': 1}),
    ('page_views', None, ['shop/analytics.py:14'], 'shop.analytics:AnalyticsBase.metadata', False, None, [], {'DBL201': 1}),
    ('products', None, ['shop/models.py:21'], 'shop.db:Base.metadata', True, '0a1b2c3d4e5f', ['scripts/admin_reset.py:14 (create_all)', 'shop/main.py:19 (create_all)'], {'DBL101': 2}),
]
SHOP_TOTALS = {'files_scanned': 12, 'files_touching_db': {'high': 6, 'medium': 2, 'low': 3}, 'tables': 8, 'tables_untracked': 4, 'tables_created_outside_migrations': 6, 'findings': {'DBL101': 2, 'DBL102': 1, 'DBL104': 1, 'DBL105': 1, 'DBL201': 3, 'DBL202': 2, 'DBL301': 1, 'DBL401': 2}, 'alembic_target_metadata': ['migrations/env.py tracks shop.db:Base.metadata']}
CORE_SCRIPTS_FILES = {
    'conftest.py': ('test', ['query', 'raw-sql', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'db/engine.py': ('app', ['create-all'], [], ['order_events', 'orders', 'users'], ['db.schema:metadata'], {'DBL101': 1}, 'high'),
    'db/queries.py': ('app', ['query', 'raw-sql', 'ddl'], [], [], [], {}, 'medium'),
    'db/schema.py': ('app', ['core-table', 'raw-sql', 'ddl'], ['order_events', 'orders', 'users'], [], ['db.schema:metadata'], {'DBL103': 1}, 'high'),
    'db/schema_test.py': ('test', ['query', 'raw-sql', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'scripts/archive.py': ('app', ['query', 'raw-sql', 'ddl'], [], ['(computed name)', 'orders_fresh'], [], {'DBL102': 2, 'DBL103': 3}, 'high'),
    'scripts/bootstrap.py': ('app', ['ddl', 'create-all'], [], ['order_events', 'orders', 'users'], ['db.schema:metadata'], {'DBL101': 1, 'DBL104': 1, 'DBL105': 1}, 'high'),
    'scripts/provision_tenant.py': ('app', ['query', 'raw-sql', 'ddl'], [], ['(computed name)', 'schema_lock', '{}.invoices', '{}.load_buffer'], [], {'DBL102': 3, 'DBL103': 5}, 'high'),
    'scripts/reporting.py': ('app', ['core-table', 'query', 'raw-sql', 'ddl', 'create-all'], ['reporting.customer_ltv', 'reporting.daily_revenue'], ['(unnamed table: report_meta.tables[])', '(unnamed table: sa.Table())', 'reporting.customer_ltv', 'reporting.daily_revenue'], ['scripts.reporting:report_meta'], {'DBL101': 1, 'DBL103': 2, 'DBL104': 2}, 'high'),
    'scripts/sqlite_import.py': ('app', ['query', 'raw-sql', 'ddl'], [], ['(computed name)', 'import_runs', 'inventory'], [], {'DBL102': 3, 'DBL103': 1}, 'high'),
    'tests/test_queries.py': ('test', ['query', 'raw-sql', 'ddl'], [], [], [], {}, 'low'),
}
CORE_SCRIPTS_TABLES = [
    ('customer_ltv', 'reporting', ['scripts/reporting.py:22'], 'scripts.reporting:report_meta', False, None, ['scripts/reporting.py:39 (create_all)'], {'DBL101': 1}),
    ('daily_revenue', 'reporting', ['scripts/reporting.py:14'], 'scripts.reporting:report_meta', False, None, ['scripts/reporting.py:39 (create_all)'], {'DBL101': 1}),
    ('import_runs', None, [], None, False, None, ['scripts/sqlite_import.py:25 (CREATE TABLE)'], {'DBL102': 1}),
    ('inventory', None, [], None, False, None, ['scripts/sqlite_import.py:13 (CREATE TABLE)'], {'DBL102': 1}),
    ('invoices', '{}', [], None, False, None, ['scripts/provision_tenant.py:21 (CREATE TABLE)'], {'DBL102': 1}),
    ('load_buffer', '{}', [], None, False, None, ['scripts/provision_tenant.py:25 (CREATE TABLE)'], {'DBL102': 1}),
    ('order_events', None, ['db/schema.py:40'], 'db.schema:metadata', False, None, ['db/engine.py:15 (create_all)', 'scripts/bootstrap.py:31 (create_all)'], {'DBL101': 2}),
    ('orders', None, ['db/schema.py:31'], 'db.schema:metadata', False, None, ['db/engine.py:15 (create_all)', 'scripts/bootstrap.py:31 (create_all)'], {'DBL101': 2}),
    ('orders_fresh', None, [], None, False, None, ['scripts/archive.py:29 (CREATE TABLE)'], {'DBL102': 1}),
    ('schema_lock', None, [], None, False, None, ['scripts/provision_tenant.py:28 (CREATE TABLE)'], {}),
    ('users', None, ['db/schema.py:22'], 'db.schema:metadata', False, None, ['db/engine.py:15 (create_all)', 'scripts/bootstrap.py:30 (Table.create)', 'scripts/bootstrap.py:31 (create_all)'], {'DBL101': 2, 'DBL104': 1}),
]
CORE_SCRIPTS_TOTALS = {'files_scanned': 12, 'files_touching_db': {'high': 7, 'medium': 1, 'low': 3}, 'tables': 11, 'tables_untracked': 11, 'tables_created_outside_migrations': 11, 'findings': {'DBL101': 3, 'DBL102': 8, 'DBL103': 12, 'DBL104': 3, 'DBL105': 1}, 'alembic_target_metadata': []}
SQLMODEL_APP_FILES = {
    'app/crud.py': ('app', ['session', 'query'], [], [], [], {}, 'low'),
    'app/db.py': ('app', ['session', 'create-all'], [], ['audit_log', 'hero', 'item', 'team'], ['SQLModel.metadata'], {'DBL101': 1}, 'high'),
    'app/main.py': ('app', ['session'], [], [], [], {}, 'low'),
    'app/models.py': ('app', ['orm-model', 'session'], ['audit_log', 'hero', 'item', 'team'], [], ['SQLModel.metadata'], {}, 'low'),
    'scripts/add_audit_table.py': ('app', ['ddl'], [], ['audit_log'], [], {'DBL104': 1}, 'high'),
    'scripts/reset_db.py': ('app', ['session', 'query', 'ddl', 'create-all'], [], ['audit_log', 'hero', 'item', 'team'], ['SQLModel.metadata'], {'DBL101': 1, 'DBL105': 1}, 'high'),
    'tests/conftest.py': ('test', ['session', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'tests/test_heroes.py': ('test', ['session', 'query', 'ddl'], [], [], [], {}, 'low'),
}
SQLMODEL_APP_TABLES = [
    ('audit_log', None, ['app/models.py:53'], 'SQLModel.metadata', False, None, ['app/db.py:13 (create_all)', 'scripts/add_audit_table.py:9 (Table.create)', 'scripts/reset_db.py:18 (create_all)'], {'DBL101': 2, 'DBL104': 1}),
    ('hero', None, ['app/models.py:23'], 'SQLModel.metadata', False, None, ['app/db.py:13 (create_all)', 'scripts/reset_db.py:18 (create_all)'], {'DBL101': 2}),
    ('item', None, ['app/models.py:37'], 'SQLModel.metadata', False, None, ['app/db.py:13 (create_all)', 'scripts/reset_db.py:18 (create_all)'], {'DBL101': 2}),
    ('team', None, ['app/models.py:12'], 'SQLModel.metadata', False, None, ['app/db.py:13 (create_all)', 'scripts/reset_db.py:18 (create_all)'], {'DBL101': 2}),
]
SQLMODEL_APP_TOTALS = {'files_scanned': 10, 'files_touching_db': {'high': 3, 'medium': 0, 'low': 5}, 'tables': 4, 'tables_untracked': 4, 'tables_created_outside_migrations': 4, 'findings': {'DBL101': 2, 'DBL104': 1, 'DBL105': 1}, 'alembic_target_metadata': []}
FLASK_APP_FILES = {
    'app/__init__.py': ('app', ['create-all'], [], ['authors', 'page_hits', 'post_tags', 'posts', 'tags'], ['app.extensions:Base.metadata'], {'DBL101': 1}, 'high'),
    'app/cli.py': ('app', ['session', 'query', 'raw-sql', 'ddl'], [], [], [], {'DBL103': 1}, 'high'),
    'app/extensions.py': ('app', [], [], [], ['app.extensions:Base.metadata'], {}, 'low'),
    'app/models.py': ('app', ['orm-model', 'core-table'], ['authors', 'page_hits', 'post_tags', 'posts', 'tags'], [], ['app.extensions:Base.metadata', 'app.extensions:Base.metadata[bind=analytics]'], {}, 'low'),
    'app/views.py': ('app', ['session', 'query', 'raw-sql'], [], [], [], {}, 'medium'),
    'manage.py': ('app', ['session', 'ddl', 'create-all'], [], ['authors', 'page_hits', 'post_tags', 'posts', 'tags'], ['app.extensions:Base.metadata'], {'DBL101': 1, 'DBL105': 1}, 'high'),
    'migrations/env.py': ('alembic-env', ['alembic-env'], [], [], [], {}, 'low'),
    'migrations/versions/3c1d2e4f5a6b_initial_schema.py': ('migration', ['migration-op'], [], [], [], {}, 'low'),
    'migrations/versions/7e8f9a0b1c2d_add_tags.py': ('migration', ['query', 'raw-sql', 'ddl', 'migration-op'], [], [], [], {}, 'low'),
    'tests/conftest.py': ('test', ['session', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'tests/test_views.py': ('test', ['session', 'query', 'raw-sql', 'ddl', 'create-all'], [], [], [], {}, 'low'),
}
FLASK_APP_TABLES = [
    ('authors', None, ['app/models.py:20'], 'app.extensions:Base.metadata', True, '3c1d2e4f5a6b', ['app/__init__.py:29 (create_all)', 'manage.py:27 (create_all)'], {'DBL101': 2}),
    ('page_hits', None, ['app/models.py:54'], 'app.extensions:Base.metadata[bind=analytics]', False, None, ['app/__init__.py:29 (create_all)', 'manage.py:27 (create_all)'], {'DBL101': 2}),
    ('post_tags', None, ['app/models.py:13'], 'app.extensions:Base.metadata', True, '7e8f9a0b1c2d', ['app/__init__.py:29 (create_all)', 'manage.py:27 (create_all)'], {'DBL101': 2}),
    ('posts', None, ['app/models.py:30'], 'app.extensions:Base.metadata', True, '3c1d2e4f5a6b', ['app/__init__.py:29 (create_all)', 'manage.py:27 (create_all)'], {'DBL101': 2}),
    ('tags', None, ['app/models.py:45'], 'app.extensions:Base.metadata', True, '7e8f9a0b1c2d', ['app/__init__.py:29 (create_all)', 'manage.py:27 (create_all)'], {'DBL101': 2}),
]
FLASK_APP_TOTALS = {'files_scanned': 14, 'files_touching_db': {'high': 3, 'medium': 1, 'low': 7}, 'tables': 5, 'tables_untracked': 1, 'tables_created_outside_migrations': 5, 'findings': {'DBL101': 2, 'DBL103': 1, 'DBL105': 1}, 'alembic_target_metadata': ['migrations/env.py tracks app.extensions:Base.metadata']}
FASTAPI_SA2_FILES = {
    'app/db.py': ('app', ['session'], [], [], ['app.db:Base.metadata'], {}, 'low'),
    'app/main.py': ('app', ['create-all'], [], ['orders', 'users'], ['app.db:Base.metadata'], {'DBL101': 1}, 'high'),
    'app/models.py': ('app', ['orm-model'], ['orders', 'users'], [], ['app.db:Base.metadata'], {}, 'low'),
    'app/routers.py': ('app', ['session', 'query'], [], [], [], {}, 'low'),
    'app/services.py': ('app', ['session', 'query', 'raw-sql'], [], [], [], {}, 'medium'),
    'migrations/env.py': ('alembic-env', ['alembic-env'], [], [], [], {}, 'low'),
    'migrations/versions/20240105_1a2b3c4d5e6f_create_users.py': ('migration', ['query', 'raw-sql', 'ddl', 'migration-op'], [], [], [], {}, 'low'),
    'migrations/versions/20240212_9f8e7d6c5b4a_add_orders.py': ('migration', ['query', 'raw-sql', 'ddl', 'migration-op'], [], [], [], {}, 'low'),
    'scripts/init_db.py': ('app', ['query', 'raw-sql', 'ddl', 'create-all'], [], ['audit_events', 'feature_flags', 'orders', 'users'], ['app.db:Base.metadata'], {'DBL101': 1, 'DBL102': 2}, 'high'),
    'scripts/maintenance.py': ('app', ['query', 'raw-sql', 'ddl'], [], [], [], {'DBL103': 1}, 'high'),
    'tests/conftest.py': ('test', ['session', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'tests/test_maintenance.py': ('test', ['raw-sql', 'ddl'], [], [], [], {}, 'low'),
    'tests/test_users.py': ('test', ['query', 'raw-sql', 'ddl', 'create-all'], [], [], [], {}, 'low'),
}
FASTAPI_SA2_TABLES = [
    ('audit_events', None, [], None, False, None, ['scripts/init_db.py:17 (CREATE TABLE)'], {'DBL102': 1}),
    ('feature_flags', None, [], None, False, '1a2b3c4d5e6f', ['scripts/init_db.py:39 (CREATE TABLE)'], {'DBL102': 1}),
    ('orders', None, ['app/models.py:28'], 'app.db:Base.metadata', True, '9f8e7d6c5b4a', ['app/main.py:19 (create_all)', 'scripts/init_db.py:35 (create_all)'], {'DBL101': 2}),
    ('orders_archive', None, [], None, False, '9f8e7d6c5b4a', [], {}),
    ('users', None, ['app/models.py:17'], 'app.db:Base.metadata', True, '1a2b3c4d5e6f', ['app/main.py:19 (create_all)', 'scripts/init_db.py:35 (create_all)'], {'DBL101': 2}),
]
FASTAPI_SA2_TOTALS = {'files_scanned': 15, 'files_touching_db': {'high': 3, 'medium': 1, 'low': 9}, 'tables': 5, 'tables_untracked': 3, 'tables_created_outside_migrations': 4, 'findings': {'DBL101': 2, 'DBL102': 2, 'DBL103': 1}, 'alembic_target_metadata': ['migrations/env.py tracks app.db:Base.metadata']}
CLEAN_PROJECT_FILES = {
    'alembic/env.py': ('alembic-env', ['alembic-env'], [], [], [], {}, 'low'),
    'alembic/versions/5d41402abc4b_initial.py': ('migration', ['query', 'raw-sql', 'ddl', 'migration-op'], [], [], [], {}, 'low'),
    'alembic/versions/a87ff679a2f3_waitlist_and_exclusion.py': ('migration', ['query', 'raw-sql', 'ddl', 'migration-op'], [], [], [], {}, 'low'),
    'bistro/cli.py': ('app', ['session'], [], [], [], {}, 'low'),
    'bistro/db.py': ('app', ['session'], [], [], ['bistro.db:Base.metadata'], {}, 'low'),
    'bistro/models.py': ('app', ['orm-model', 'session'], ['audit_log', 'dining_tables', 'reservations', 'restaurants', 'waitlist_entries'], [], ['bistro.db:Base.metadata'], {}, 'low'),
    'bistro/repository.py': ('app', ['session', 'query', 'raw-sql'], [], [], [], {}, 'medium'),
    'bistro/service.py': ('app', ['session'], [], [], [], {}, 'low'),
    'tests/conftest.py': ('test', ['session', 'query', 'ddl', 'create-all'], [], [], [], {}, 'low'),
    'tests/test_booking.py': ('test', ['session', 'query', 'raw-sql', 'ddl'], [], [], [], {}, 'low'),
}
CLEAN_PROJECT_TABLES = [
    ('audit_log', None, ['bistro/models.py:75'], 'bistro.db:Base.metadata', True, 'a87ff679a2f3', [], {}),
    ('dining_tables', None, ['bistro/models.py:30'], 'bistro.db:Base.metadata', True, '5d41402abc4b', [], {}),
    ('reservations', None, ['bistro/models.py:49'], 'bistro.db:Base.metadata', True, '5d41402abc4b', [], {}),
    ('restaurants', None, ['bistro/models.py:20'], 'bistro.db:Base.metadata', True, '5d41402abc4b', [], {}),
    ('waitlist_entries', None, ['bistro/models.py:65'], 'bistro.db:Base.metadata', True, 'a87ff679a2f3', [], {}),
]
CLEAN_PROJECT_TOTALS = {'files_scanned': 13, 'files_touching_db': {'high': 0, 'medium': 1, 'low': 9}, 'tables': 5, 'tables_untracked': 0, 'tables_created_outside_migrations': 0, 'findings': {}, 'alembic_target_metadata': ['alembic/env.py tracks bistro.db:Base.metadata']}

CASES = {
    "shop": (REPO / "examples" / "shop", (), SHOP_FILES, SHOP_TABLES, SHOP_TOTALS),
    "core_scripts": (FIXTURES / "core_scripts", ("--select", "DBL1"), CORE_SCRIPTS_FILES, CORE_SCRIPTS_TABLES, CORE_SCRIPTS_TOTALS),
    "sqlmodel_app": (FIXTURES / "sqlmodel_app", ("--select", "DBL1"), SQLMODEL_APP_FILES, SQLMODEL_APP_TABLES, SQLMODEL_APP_TOTALS),
    "flask_app": (FIXTURES / "flask_app", ("--select", "DBL1"), FLASK_APP_FILES, FLASK_APP_TABLES, FLASK_APP_TOTALS),
    "fastapi_sa2": (FIXTURES / "fastapi_sa2", ("--select", "DBL1"), FASTAPI_SA2_FILES, FASTAPI_SA2_TABLES, FASTAPI_SA2_TOTALS),
    "clean_project": (
        FIXTURES / "clean_project", ("--select", "DBL1"), CLEAN_PROJECT_FILES, CLEAN_PROJECT_TABLES, CLEAN_PROJECT_TOTALS,
    ),
}


def _inventory(root: Path, selection: tuple[str, ...], by: str) -> dict:
    completed = run_tool("dblint", "inventory", *selection, "--by", by, "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr  # 1: the scan has findings, as `check`
    return json.loads(completed.stdout)


@pytest.mark.parametrize("name", sorted(CASES))
def test_file_rows_cell_by_cell(name: str) -> None:
    root, selection, expected, _, totals = CASES[name]
    document = _inventory(root, selection, "file")
    assert document["totals"] == totals
    rows = {row["path"]: row for row in document["files"]}
    assert sorted(rows) == sorted(expected), "which files touch the database"
    for path, cells in expected.items():
        for cell, value in zip(FILE_CELLS, cells):
            assert rows[path][cell] == value, f"{path}: {cell}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_table_rows_cell_by_cell(name: str) -> None:
    root, selection, _, expected, totals = CASES[name]
    document = _inventory(root, selection, "table")
    assert document["totals"] == totals
    rows = document["tables"]
    assert [row["table"] for row in rows] == [cells[0] for cells in expected]
    for row, cells in zip(rows, expected):
        for cell, value in zip(TABLE_CELLS, cells):
            assert row[cell] == value, f"{row['table']}: {cell}"
