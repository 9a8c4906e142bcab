--
-- PostgreSQL database dump
--

\restrict 0g0cvohZcg8OBvEetCUcOQIKA1CKtR27hcij4aX1qVjEncoVF1kkJjNk0ioGoG3

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: ai_logs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ai_logs (
    id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    level character varying(8) NOT NULL,
    query_id integer,
    tier character varying(32),
    message text NOT NULL,
    duration_ms double precision
);


--
-- Name: ai_logs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ai_logs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ai_logs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ai_logs_id_seq OWNED BY public.ai_logs.id;


--
-- Name: ai_queries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ai_queries (
    id integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    query text NOT NULL,
    language character varying(4) NOT NULL,
    endpoint character varying(64) NOT NULL,
    method character varying(32),
    success boolean NOT NULL,
    fallback_used boolean NOT NULL,
    cached boolean NOT NULL,
    processing_ms double precision NOT NULL,
    error text,
    outcome character varying(16),
    priority character varying(8),
    servers text
);


--
-- Name: ai_queries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ai_queries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ai_queries_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ai_queries_id_seq OWNED BY public.ai_queries.id;


--
-- Name: deployment_run; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deployment_run (
    id integer NOT NULL,
    running boolean NOT NULL,
    interval_seconds double precision NOT NULL,
    changed_at timestamp with time zone NOT NULL
);


--
-- Name: deployments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.deployments (
    "position" integer NOT NULL,
    deployed_at timestamp with time zone NOT NULL
);


--
-- Name: incidents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incidents (
    id integer NOT NULL,
    type character varying(32) NOT NULL,
    server_id character varying(32) NOT NULL,
    hostname character varying(200) NOT NULL,
    severity character varying(8) NOT NULL,
    started_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    cleared_at timestamp with time zone
);


--
-- Name: incidents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.incidents_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: incidents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.incidents_id_seq OWNED BY public.incidents.id;


--
-- Name: schema_info; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_info (
    version integer NOT NULL
);


--
-- Name: schema_info_version_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.schema_info_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: schema_info_version_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.schema_info_version_seq OWNED BY public.schema_info.version;


--
-- Name: store_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_version (
    id integer NOT NULL,
    version bigint NOT NULL
);


--
-- Name: ai_logs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ai_logs ALTER COLUMN id SET DEFAULT nextval('public.ai_logs_id_seq'::regclass);


--
-- Name: ai_queries id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ai_queries ALTER COLUMN id SET DEFAULT nextval('public.ai_queries_id_seq'::regclass);


--
-- Name: incidents id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents ALTER COLUMN id SET DEFAULT nextval('public.incidents_id_seq'::regclass);


--
-- Name: schema_info version; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_info ALTER COLUMN version SET DEFAULT nextval('public.schema_info_version_seq'::regclass);


--
-- Data for Name: ai_logs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ai_logs VALUES (1, '2026-11-30 05:30:00+00', 'info', 1, 'engine', 'engine answered', 40);
INSERT INTO public.ai_logs VALUES (2, '2026-11-30 05:30:00+00', 'warning', 2, NULL, 'rejected: empty query', NULL);
INSERT INTO public.ai_logs VALUES (3, '2026-11-30 05:30:00+00', 'error', NULL, 'pattern', 'pattern tier timed out', 1500);


--
-- Data for Name: ai_queries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ai_queries VALUES (1, '2026-11-30 05:30:00+00', 'CPU 높은 서버?', 'ko', '/api/ai-agent/query', 'engine', true, false, false, 42.5, NULL, 'answered', 'high', 'web-prod-01');
INSERT INTO public.ai_queries VALUES (2, '2026-11-30 05:30:00+00', '', 'en', '/api/ai-agent/query', NULL, false, false, false, 0.1, 'empty query', 'rejected', NULL, NULL);


--
-- Data for Name: deployment_run; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.deployment_run VALUES (1, true, 2.5, '2026-11-30 05:25:00+00');


--
-- Data for Name: deployments; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.deployments VALUES (1, '2026-11-30 05:20:00+00');
INSERT INTO public.deployments VALUES (2, '2026-11-30 05:20:00+00');
INSERT INTO public.deployments VALUES (3, '2026-11-30 05:20:00+00');


--
-- Data for Name: incidents; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.incidents VALUES (1, 'cpu_spike', 'srv_001', 'web-prod-01', 'high', '2026-11-30 05:26:00+00', '2026-11-30 05:26:00+00', NULL);
INSERT INTO public.incidents VALUES (2, 'disk_full', 'srv_002', 'db-master-01', 'low', '2026-11-30 05:27:00+00', '2026-11-30 05:27:00+00', '2026-11-30 05:28:00+00');


--
-- Data for Name: schema_info; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_info VALUES (3);


--
-- Data for Name: store_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.store_version VALUES (1, 5);


--
-- Name: ai_logs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ai_logs_id_seq', 3, true);


--
-- Name: ai_queries_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ai_queries_id_seq', 2, true);


--
-- Name: incidents_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.incidents_id_seq', 2, true);


--
-- Name: schema_info_version_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.schema_info_version_seq', 1, false);


--
-- Name: ai_logs ai_logs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ai_logs
    ADD CONSTRAINT ai_logs_pkey PRIMARY KEY (id);


--
-- Name: ai_queries ai_queries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ai_queries
    ADD CONSTRAINT ai_queries_pkey PRIMARY KEY (id);


--
-- Name: deployment_run deployment_run_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployment_run
    ADD CONSTRAINT deployment_run_pkey PRIMARY KEY (id);


--
-- Name: deployments deployments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.deployments
    ADD CONSTRAINT deployments_pkey PRIMARY KEY ("position");


--
-- Name: incidents incidents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (id);


--
-- Name: schema_info schema_info_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_info
    ADD CONSTRAINT schema_info_pkey PRIMARY KEY (version);


--
-- Name: store_version store_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_version
    ADD CONSTRAINT store_version_pkey PRIMARY KEY (id);


--
-- Name: ix_ai_logs_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ai_logs_created_at ON public.ai_logs USING btree (created_at);


--
-- Name: ix_ai_logs_level; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ai_logs_level ON public.ai_logs USING btree (level);


--
-- Name: ix_ai_queries_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ai_queries_created_at ON public.ai_queries USING btree (created_at);


--
-- Name: ix_incidents_cleared_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_incidents_cleared_at ON public.incidents USING btree (cleared_at);


--
-- Name: ix_incidents_server_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_incidents_server_id ON public.incidents USING btree (server_id);


--
-- PostgreSQL database dump complete
--

\unrestrict 0g0cvohZcg8OBvEetCUcOQIKA1CKtR27hcij4aX1qVjEncoVF1kkJjNk0ioGoG3

