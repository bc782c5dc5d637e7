-- newsarchive schema at revision 0021: python -m storage.head_schema
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
-- next statement
CREATE TABLE crawl_runs (
	id INTEGER NOT NULL, 
	command VARCHAR(64) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	status VARCHAR(32) NOT NULL, 
	stats JSON NOT NULL, 
	CONSTRAINT pk_crawl_runs PRIMARY KEY (id)
);
-- next statement
CREATE TABLE raw_bodies (
	sha256 VARCHAR(64) NOT NULL, 
	size BIGINT NOT NULL, 
	compression VARCHAR(16) NOT NULL, 
	data BLOB NOT NULL, 
	stored_at DATETIME NOT NULL, 
	CONSTRAINT pk_raw_bodies PRIMARY KEY (sha256)
);
-- next statement
CREATE TABLE sites (
	id INTEGER NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	name VARCHAR(255), 
	created_at DATETIME NOT NULL, boilerplate_basis INTEGER, article_count INTEGER DEFAULT '0' NOT NULL, version_count INTEGER DEFAULT '0' NOT NULL, capture_count INTEGER DEFAULT '0' NOT NULL, error_count INTEGER DEFAULT '0' NOT NULL, last_capture_at DATETIME, 
	CONSTRAINT pk_sites PRIMARY KEY (id), 
	CONSTRAINT uq_sites_host UNIQUE (host)
);
-- next statement
CREATE TABLE articles (
	id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	url_hash VARCHAR(64) NOT NULL, 
	site_id INTEGER NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	last_captured_at DATETIME, 
	version_count INTEGER NOT NULL, 
	track BOOLEAN NOT NULL, 
	CONSTRAINT pk_articles PRIMARY KEY (id), 
	CONSTRAINT fk_articles_site_id_sites FOREIGN KEY(site_id) REFERENCES sites (id), 
	CONSTRAINT uq_articles_url_hash UNIQUE (url_hash)
);
-- next statement
CREATE INDEX ix_articles_site_id ON articles (site_id);
-- next statement
CREATE TABLE article_aliases (
	id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	url_hash VARCHAR(64) NOT NULL, 
	article_id INTEGER NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	CONSTRAINT pk_article_aliases PRIMARY KEY (id), 
	CONSTRAINT fk_article_aliases_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE, 
	CONSTRAINT uq_article_aliases_url_hash UNIQUE (url_hash)
);
-- next statement
CREATE INDEX ix_article_aliases_article_id ON article_aliases (article_id);
-- next statement
CREATE TABLE versions (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	captured_at DATETIME NOT NULL, 
	last_confirmed_at DATETIME NOT NULL, 
	title TEXT, 
	authors JSON NOT NULL, 
	published_at DATETIME, 
	modified_at DATETIME, 
	description TEXT, 
	text TEXT NOT NULL, 
	language VARCHAR(32), 
	site_name VARCHAR(255), 
	top_image TEXT, 
	section VARCHAR(255), 
	tags JSON NOT NULL, 
	paywalled BOOLEAN, 
	content_hash VARCHAR(64) NOT NULL, 
	extractor VARCHAR(64) NOT NULL, 
	extractor_version VARCHAR(128) NOT NULL, 
	origin VARCHAR(16) NOT NULL, 
	change JSON, body_source VARCHAR(16), 
	CONSTRAINT pk_versions PRIMARY KEY (id), 
	CONSTRAINT fk_versions_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE, 
	CONSTRAINT uq_versions_article_id_number UNIQUE (article_id, number)
);
-- next statement
CREATE INDEX ix_versions_captured_at ON versions (captured_at);
-- next statement
CREATE INDEX ix_versions_content_hash ON versions (content_hash);
-- next statement
CREATE TABLE captures (
	id INTEGER NOT NULL, 
	article_id INTEGER, 
	crawl_run_id INTEGER, 
	requested_url TEXT NOT NULL, 
	final_url TEXT, 
	fetched_at DATETIME NOT NULL, 
	http_status INTEGER, 
	content_type VARCHAR(255), 
	etag VARCHAR(1024), 
	last_modified VARCHAR(255), 
	headers JSON, 
	raw_body_sha256 VARCHAR(64), 
	outcome VARCHAR(16) NOT NULL, 
	error_reason VARCHAR(64), 
	error_detail TEXT, 
	version_id INTEGER, archive VARCHAR(255), memento_url TEXT, http BLOB, server_body_sha256 VARCHAR(64) CONSTRAINT fk_captures_server_body_sha256_raw_bodies REFERENCES raw_bodies (sha256), 
	CONSTRAINT pk_captures PRIMARY KEY (id), 
	CONSTRAINT fk_captures_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE, 
	CONSTRAINT fk_captures_crawl_run_id_crawl_runs FOREIGN KEY(crawl_run_id) REFERENCES crawl_runs (id), 
	CONSTRAINT fk_captures_raw_body_sha256_raw_bodies FOREIGN KEY(raw_body_sha256) REFERENCES raw_bodies (sha256), 
	CONSTRAINT fk_captures_version_id_versions FOREIGN KEY(version_id) REFERENCES versions (id)
);
-- next statement
CREATE INDEX ix_captures_article_id_fetched_at ON captures (article_id, fetched_at);
-- next statement
CREATE INDEX ix_captures_fetched_at ON captures (fetched_at);
-- next statement
CREATE TABLE frontier (
	id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	url_hash VARCHAR(64) NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	scope VARCHAR(255) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	depth INTEGER NOT NULL, 
	discovered_at DATETIME NOT NULL, 
	published_at DATETIME, 
	next_fetch_at DATETIME, 
	lease_owner VARCHAR(64), 
	lease_expires_at DATETIME, 
	attempts INTEGER NOT NULL, 
	last_fetched_at DATETIME, 
	last_outcome VARCHAR(32), 
	etag VARCHAR(1024), 
	last_modified VARCHAR(255), 
	article_id INTEGER, kept_because VARCHAR(32), memento_of TEXT, memento_of_hash VARCHAR(64), captured_at DATETIME, archive_source TEXT, digest VARCHAR(128), 
	CONSTRAINT pk_frontier PRIMARY KEY (id), 
	CONSTRAINT fk_frontier_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE SET NULL, 
	CONSTRAINT uq_frontier_url_hash UNIQUE (url_hash)
);
-- next statement
CREATE INDEX ix_frontier_article_id ON frontier (article_id);
-- next statement
CREATE INDEX ix_frontier_due ON frontier (scope, next_fetch_at);
-- next statement
CREATE INDEX ix_frontier_host ON frontier (host);
-- next statement
CREATE INDEX ix_frontier_lease_owner ON frontier (lease_owner);
-- next statement
CREATE TABLE locks (
	name VARCHAR(255) NOT NULL, 
	owner VARCHAR(64) NOT NULL, 
	acquired_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	CONSTRAINT pk_locks PRIMARY KEY (name)
);
-- next statement
CREATE TABLE site_boilerplate (
	id INTEGER NOT NULL, 
	site_id INTEGER NOT NULL, 
	paragraph_hash VARCHAR(64) NOT NULL, 
	paragraph TEXT NOT NULL, 
	article_count INTEGER NOT NULL, 
	articles_examined INTEGER NOT NULL, 
	first_learned_at DATETIME NOT NULL, 
	last_learned_at DATETIME NOT NULL, 
	CONSTRAINT pk_site_boilerplate PRIMARY KEY (id), 
	CONSTRAINT fk_site_boilerplate_site_id_sites FOREIGN KEY(site_id) REFERENCES sites (id) ON DELETE CASCADE, 
	CONSTRAINT uq_site_boilerplate_site_id_paragraph_hash UNIQUE (site_id, paragraph_hash)
);
-- next statement
CREATE TABLE host_politeness (
	host VARCHAR(255) NOT NULL, 
	next_request_at DATETIME NOT NULL, 
	CONSTRAINT pk_host_politeness PRIMARY KEY (host)
);
-- next statement
CREATE TABLE robots_txt (
	origin TEXT NOT NULL, 
	status INTEGER NOT NULL, 
	body BLOB NOT NULL, 
	fetched_at DATETIME NOT NULL, 
	CONSTRAINT pk_robots_txt PRIMARY KEY (origin)
);
-- next statement
CREATE TABLE renumberings (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	renumbered_at DATETIME NOT NULL, 
	from_number INTEGER NOT NULL, 
	shifted INTEGER NOT NULL, 
	capture_id INTEGER, 
	reason VARCHAR(64) NOT NULL, 
	CONSTRAINT pk_renumberings PRIMARY KEY (id), 
	CONSTRAINT fk_renumberings_article_id_articles FOREIGN KEY(article_id) REFERENCES articles (id) ON DELETE CASCADE
);
-- next statement
CREATE INDEX ix_renumberings_article_id ON renumberings (article_id);
-- next statement
CREATE INDEX ix_articles_first_seen_at_id ON articles (first_seen_at, id);
-- next statement
CREATE INDEX ix_articles_site_id_first_seen_at ON articles (site_id, first_seen_at, id);
-- next statement
CREATE TABLE site_errors (
	site_id INTEGER NOT NULL, 
	reason VARCHAR(64) NOT NULL, 
	count INTEGER NOT NULL, 
	CONSTRAINT pk_site_errors PRIMARY KEY (site_id, reason), 
	CONSTRAINT fk_site_errors_site_id_sites FOREIGN KEY(site_id) REFERENCES sites (id) ON DELETE CASCADE
);
-- next statement
CREATE TRIGGER sites_count_article_insert AFTER INSERT ON articles BEGIN
        UPDATE sites SET article_count = article_count + 1,
                         version_count = version_count + new.version_count
        WHERE id = new.site_id;
    END;
-- next statement
CREATE TRIGGER sites_count_article_delete AFTER DELETE ON articles BEGIN
        UPDATE sites SET article_count = article_count - 1,
                         version_count = version_count - old.version_count
        WHERE id = old.site_id;
    END;
-- next statement
CREATE TRIGGER sites_count_article_update AFTER UPDATE OF version_count, site_id ON articles
    WHEN old.version_count != new.version_count OR old.site_id != new.site_id BEGIN
        UPDATE sites SET article_count = article_count - 1,
                         version_count = version_count - old.version_count
        WHERE id = old.site_id;
        UPDATE sites SET article_count = article_count + 1,
                         version_count = version_count + new.version_count
        WHERE id = new.site_id;
    END;
-- next statement
CREATE TRIGGER sites_count_capture_insert AFTER INSERT ON captures
    WHEN new.article_id IS NOT NULL BEGIN
        UPDATE sites SET capture_count = capture_count + 1,
                         error_count = error_count + (new.outcome = 'error'),
                         last_capture_at = CASE
                             WHEN last_capture_at IS NULL OR last_capture_at < new.fetched_at
                             THEN new.fetched_at ELSE last_capture_at END
        WHERE id = (SELECT site_id FROM articles WHERE id = new.article_id);
        INSERT INTO site_errors (site_id, reason, count)
        SELECT site_id, coalesce(new.error_reason, 'unknown'), 1 FROM articles
        WHERE id = new.article_id AND new.outcome = 'error'
        ON CONFLICT (site_id, reason) DO UPDATE SET count = count + 1;
    END;
-- next statement
CREATE TRIGGER sites_count_capture_delete AFTER DELETE ON captures
    WHEN old.article_id IS NOT NULL BEGIN
        UPDATE sites SET capture_count = capture_count - 1,
                         error_count = error_count - (old.outcome = 'error')
        WHERE id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE site_errors SET count = count - 1
        WHERE old.outcome = 'error' AND reason = coalesce(old.error_reason, 'unknown')
          AND site_id = (SELECT site_id FROM articles WHERE id = old.article_id);
    END;
-- next statement
CREATE TRIGGER sites_count_capture_update
    AFTER UPDATE OF article_id, outcome, error_reason ON captures
    BEGIN
        UPDATE sites SET capture_count = capture_count - 1,
                         error_count = error_count - (old.outcome = 'error')
        WHERE old.article_id IS NOT NULL
          AND id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE site_errors SET count = count - 1
        WHERE old.outcome = 'error' AND reason = coalesce(old.error_reason, 'unknown')
          AND site_id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE sites SET capture_count = capture_count + 1,
                         error_count = error_count + (new.outcome = 'error'),
                         last_capture_at = CASE
                             WHEN last_capture_at IS NULL OR last_capture_at < new.fetched_at
                             THEN new.fetched_at ELSE last_capture_at END
        WHERE new.article_id IS NOT NULL
          AND id = (SELECT site_id FROM articles WHERE id = new.article_id);
        INSERT INTO site_errors (site_id, reason, count)
        SELECT site_id, coalesce(new.error_reason, 'unknown'), 1 FROM articles
        WHERE id = new.article_id AND new.outcome = 'error'
        ON CONFLICT (site_id, reason) DO UPDATE SET count = count + 1;
    END;
-- next statement
CREATE VIRTUAL TABLE versions_fts USING fts5(
    title, text,
    content="versions", content_rowid="id",
    tokenize='unicode61 remove_diacritics 2'
);
-- next statement
CREATE TRIGGER versions_fts_after_insert AFTER INSERT ON versions BEGIN
        INSERT INTO versions_fts (rowid, title, text)
        VALUES (new.id, newsarchive_search_text(new.title), newsarchive_search_text(new.text));
    END;
-- next statement
CREATE TRIGGER versions_fts_after_delete AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, newsarchive_search_text(old.title), newsarchive_search_text(old.text));
    END;
-- next statement
CREATE TRIGGER versions_fts_after_update AFTER UPDATE OF title, text ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, text)
        VALUES ('delete', old.id, newsarchive_search_text(old.title), newsarchive_search_text(old.text));
        INSERT INTO versions_fts (rowid, title, text)
        VALUES (new.id, newsarchive_search_text(new.title), newsarchive_search_text(new.text));
    END;
-- next statement
CREATE INDEX ix_frontier_memento_of_hash ON frontier (memento_of_hash);
-- next statement
CREATE INDEX ix_captures_raw_body_sha256 ON captures (raw_body_sha256) WHERE raw_body_sha256 IS NOT NULL;
-- next statement
CREATE INDEX ix_captures_server_body_sha256 ON captures (server_body_sha256) WHERE server_body_sha256 IS NOT NULL;
-- next statement
CREATE INDEX ix_captures_version_id ON captures (version_id) WHERE version_id IS NOT NULL;
-- next statement
CREATE INDEX ix_captures_memento_url ON captures (memento_url) WHERE memento_url IS NOT NULL;
-- next statement
CREATE INDEX ix_captures_crawl_run_id ON captures (crawl_run_id) WHERE crawl_run_id IS NOT NULL;
-- next statement
CREATE INDEX ix_captures_errors ON captures (article_id) WHERE outcome = 'error';
-- next statement
CREATE INDEX ix_versions_captured_at_id ON versions (captured_at, id, article_id, number);
