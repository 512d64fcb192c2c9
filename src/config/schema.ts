import { validate as isCronExpression } from 'node-cron'
import { z } from 'zod'
import { ID_PATTERN, ID_RULE } from '../contract/ids.js'
import { isTimeZone } from '../util/time-zone.js'

const port = z.number().int().min(0).max(65535)
const host = z.string().min(1)
const id = z.string().regex(ID_PATTERN, ID_RULE)

/** A PEM file of one or more CA certificates: the only CAs trusted for that server's certificate. */
const caFile = z.string().min(1)

const tlsSchema = z.strictObject({
  /** Address of the MQTT-over-TLS listener. */
  host: host.default('0.0.0.0'),
  /** Port of the MQTT-over-TLS listener (8883 is the registered port). */
  port: port.default(8883),
  /** PEM certificate chain file; read again at each reload (SIGHUP), so a renewed certificate needs no restart. */
  certFile: z.string().min(1),
  /** PEM private key file of the certificate. */
  keyFile: z.string().min(1),
})

const mqttSchema = z
  .strictObject({
    /** Address the plain MQTT listener binds. */
    host: host.default('0.0.0.0'),
    /** Port of the plain MQTT listener; 0 picks a free port (tests). */
    port: port.default(1883),
    /**
     * Whether a client without a username may connect: `false` (production), `true` (any peer),
     * or `"loopback"` (only peers on 127.0.0.0/8 or ::1: a demo on the gateway itself).
     */
    allowAnonymous: z.union([z.boolean(), z.literal('loopback')]).default(false),
    /** Optional MQTT-over-TLS listener, in addition to the plain one. */
    tls: tlsSchema.optional(),
    /** Most open MQTT connections; further ones are refused at accept. */
    maxConnections: z.number().int().min(1).default(1000),
    /**
     * Largest payload stored as a sale message. A larger one is acked and kept as a reject
     * (`payload_too_large`, first `rejectPayloadKeepBytes` bytes) so the device learns nothing
     * is lost silently.
     */
    maxPayloadBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024),
    /**
     * Largest MQTT packet read at all; a connection sending more is closed before the packet is
     * buffered. MQTT 3.1.1 allows 256 MB packets, and aedes buffers a whole packet, so this bounds
     * memory per connection.
     */
    maxPacketBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    /** Most sale objects in one array payload (a device catching up). */
    maxBatchItems: z.number().int().min(1).default(1000),
    /** Longest client identifier accepted in CONNECT. */
    maxClientIdLength: z.number().int().min(23).max(65535).default(128),
    /** A connection whose CONNECT has not been accepted within this is closed. */
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
    /**
     * Connections held at once that have not completed CONNECT; a new one beyond it closes the
     * oldest, so idle or hostile sockets cannot take the places of devices.
     */
    maxPendingConnections: z.number().int().min(1).default(64),
    /** Anonymous connections held at once; a further anonymous CONNECT is refused (return code 3). */
    maxAnonymousConnections: z.number().int().min(0).default(100),
    /** A client that has not read what the broker sent it within this is closed (it stopped reading); 0: never. */
    drainTimeoutMs: z.number().int().min(0).default(10_000),
    /**
     * Memory for packets not yet received whole, over all connections; beyond it the connection
     * holding most is closed. At least maxPacketBytes.
     */
    maxBufferedBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    /** What one device (a registered device, or an anonymous client id) may take; 0 turns a limit off. */
    perDevice: z
      .strictObject({
        /** Messages per second, on average; beyond, its acks (and its reads) wait. */
        messagesPerSecond: z.number().min(0).default(1000),
        /** Payload bytes per second, on average (a device catching up sends large arrays). */
        bytesPerSecond: z
          .number()
          .min(0)
          .default(1024 * 1024),
        /** How many seconds of the two rates a quiet device may send at once. */
        burstSeconds: z.number().positive().default(5),
        /** CONNECTs per minute; beyond, refused with return code 3 (server unavailable) for the rest of the minute. */
        connectsPerMinute: z.number().int().min(0).default(60),
        /**
         * Refusal notices told one by one on the device's `.../rejects` topic per second; beyond,
         * one summary notice a second counts the rest by reason. 0: no notices.
         */
        rejectNoticesPerSecond: z.number().int().min(0).max(10_000).default(10),
      })
      .prefault({}),
  })
  .refine((mqtt) => mqtt.maxPacketBytes > mqtt.maxPayloadBytes, {
    message: 'maxPacketBytes must be larger than maxPayloadBytes, so that an oversized payload is acked and kept as a reject',
    path: ['maxPacketBytes'],
  })
  .refine((mqtt) => mqtt.maxBufferedBytes >= mqtt.maxPacketBytes, {
    message: 'maxBufferedBytes must be at least maxPacketBytes, so that a packet of the largest size can arrive',
    path: ['maxBufferedBytes'],
  })
  .refine((mqtt) => mqtt.maxConnections > mqtt.maxPendingConnections + mqtt.maxAnonymousConnections, {
    message: 'maxConnections must be larger than maxPendingConnections + maxAnonymousConnections, so that registered devices always find a place',
    path: ['maxConnections'],
  })

const tokensSchema = z.strictObject({
  /** Bearer token of the staff role; without it the dashboard and totals are open. */
  staff: z.string().min(16).optional(),
  /** Bearer token of the central data team (snapshots). Without it the role is closed. */
  central: z.string().min(16).optional(),
  /** Bearer token of the admin role (everything). Without it the role is closed. */
  admin: z.string().min(16).optional(),
})

const httpTlsSchema = z.strictObject({
  /**
   * PEM certificate chain file (the server's certificate first, then any intermediates). Read at
   * the start and again at each reload (SIGHUP): a renewed certificate is served to new
   * connections without a restart, and open ones are not dropped.
   */
  certFile: z.string().min(1),
  /** PEM private key file of the certificate. */
  keyFile: z.string().min(1),
  /**
   * A plain-HTTP port that answers every request with a redirect (308) to the same path over
   * HTTPS, so an old bookmark `http://gateway:8080/` still opens the page. Unset: no plain port.
   */
  redirectPort: port.optional(),
})

const httpSchema = z
  .strictObject({
    /** Address of the HTTP server (dashboard, API, metrics). */
    host: host.default('0.0.0.0'),
    /** Port of the HTTP server (HTTPS with `tls`); 0 picks a free port (tests). */
    port: port.default(8080),
    /** Serve everything over HTTPS with this certificate (docs/operations.md, "HTTPS"). */
    tls: httpTlsSchema.optional(),
    /**
     * Behind a reverse proxy that terminates TLS (nginx, Caddy): which proxies' X-Forwarded-For,
     * -Proto and -Host to believe, for the client address the daemon logs (request.ip). `false` (default: connections come straight from browsers), `true` (any
     * peer: only when nothing else can reach the port), a number of proxy hops, or the proxies'
     * addresses and CIDR ranges (["127.0.0.1", "10.0.0.0/8"]).
     */
    trustProxy: z.union([z.boolean(), z.number().int().min(1).max(16), z.array(z.string().min(1)).min(1)]).default(false),
    /** Bearer tokens per role. */
    tokens: tokensSchema.default({}),
  })
  .refine((http) => http.tls?.redirectPort === undefined || http.tls.redirectPort === 0 || http.tls.redirectPort !== http.port, {
    message: 'redirectPort must differ from http.port: the plain-HTTP redirect needs a port of its own',
    path: ['tls', 'redirectPort'],
  })

const dashboardSchema = z.strictObject({
  /** BCP 47 locale of the staff page's numbers, money and times (en-US, fr-FR, de-DE, ja-JP). */
  locale: z.string().min(1).refine(isLocale, 'must be a BCP 47 locale this Node.js knows, such as en-US or fr-FR').default('en-US'),
  /** A device without a new sale for longer than this is flagged silent on the staff page. */
  deviceSilentMinutes: z.number().int().min(1).max(10_080).default(30),
})

const bronzeSchema = z.strictObject({
  /** Most messages in one group commit (a message may hold an array of sales); more wait. */
  maxGroupMessages: z.number().int().min(1).max(100_000).default(4000),
  /** SQLite page cache of the bronze writer, in MiB. */
  cacheSizeMiB: z.number().int().min(1).max(1024).default(16),
  /** Bytes of a rejected payload kept in `iot_sales_rejects.payload` (the size is always kept). */
  rejectPayloadKeepBytes: z
    .number()
    .int()
    .min(0)
    .default(64 * 1024),
})

const storageSchema = z.strictObject({
  /**
   * SQLite `synchronous` of the database files the daemon and the commands write (bronze, silver,
   * gold, gateway.db), but what the daemon's main thread writes in gateway.db (always NORMAL: the
   * scheduler's notes, the outbox, central's pull acknowledgements, all redone safely after a power
   * cut) and the `devices` and `restore` commands (always FULL). FULL fsyncs the WAL at every (group) commit, so an acked sale survives
   * power loss; NORMAL survives a process crash only. Formerly `bronze.synchronous`, still read
   * with a warning (renamed-keys.ts). See docs/bronze.md, "Durability and the fsync policy".
   */
  synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /**
   * Free space kept on the data directory's filesystem. Under it new sales are not acked (devices
   * keep them and send them again), nor are snapshots written, until space returns: SQLite never
   * meets a full disk while it holds sales.
   */
  reserveMiB: z.number().int().min(1).max(1_048_576).default(64),
})

/** How long what each layer holds is kept (docs/operations.md); the files shrink when rows go. */
const retentionSchema = z
  .strictObject({
    /**
     * Bronze and silver sales of store-days older than this are pruned, but only once the day's
     * snapshot is delivered (shipped to the upload target, or acknowledged by central's pull):
     * never before, whatever their age. Gold keeps the day.
     */
    salesDays: z.number().int().min(2).max(3650).default(35),
    /** Refused messages are kept this long. */
    rejectsDays: z.number().int().min(1).max(3650).default(14),
    /**
     * And at most about this much of them (each row counted with its kept payload and text): the
     * oldest go first, at the commit that overflows, so a device flooding junk cannot fill the disk
     * between two retention runs. What is dropped is counted (status, metrics).
     */
    rejectsMaxMiB: z.number().int().min(1).max(1_048_576).default(256),
    /** Gold (a few rows per store-day) of days whose sales were pruned is kept this long. */
    goldDays: z.number().int().min(2).max(36_500).default(1095),
  })
  .refine((retention) => retention.goldDays >= retention.salesDays, {
    message: 'goldDays must be at least salesDays: gold is the only record of a day once its sales are pruned',
    path: ['goldDays'],
  })

const currencySchema = z.strictObject({
  /** ISO 4217 code, for display and metadata. */
  code: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  /** Digits of the minor unit: 2 for USD/EUR (cents), 0 for JPY, 3 for KWD. */
  minorUnitDigits: z.number().int().min(0).max(4).default(2),
})

/**
 * Whether this Node.js's Intl knows the locale. A well-formed tag of a known language passes
 * (en-XX falls back to en), a language it does not know does not (xx, zz-ZZ), nor a malformed tag.
 */
function isLocale(tag: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag]).length === 1
  } catch {
    return false
  }
}

/** An IANA time zone name that this Node.js knows (Europe/Paris, America/New_York, UTC). */
const timezone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris')

/** A 5-field cron expression (minute hour day-of-month month day-of-week), as node-cron reads it. */
const cronExpression = z
  .string()
  .refine((text) => text.trim().split(/\s+/).length === 5 && isCronExpression(text), 'must be a 5-field cron expression such as "*/15 * * * *"')

const action = z.enum(['warn', 'drop', 'fail'])

/**
 * A data-quality rule on silver (an "expectation", as in Delta Live Tables). `warn` keeps the
 * sale, flags it and counts; `drop` moves it to `silver.sales_quarantine` with the rule name;
 * `fail` stops the silver pipeline at that sale and reports it in `status`.
 */
const expectationSchema = z.discriminatedUnion('rule', [
  z.strictObject({
    rule: z.literal('price_range'),
    /** The rule's name in counts, warnings and quarantine; defaults to the rule itself. */
    name: z.string().min(1).optional(),
    /** Lowest unit price, in major units. */
    min: z.number().min(0).default(0),
    /** Highest unit price, in major units. */
    max: z.number().positive(),
    action,
  }),
  z.strictObject({
    rule: z.literal('timestamp_max_ahead'),
    /** The rule's name in counts, warnings and quarantine; defaults to the rule itself. */
    name: z.string().min(1).optional(),
    /** How far the sale time may be ahead of the receive time (device clock skew). */
    minutes: z.number().positive(),
    action,
  }),
  z.strictObject({
    rule: z.literal('timestamp_max_behind'),
    /** The rule's name in counts, warnings and quarantine; defaults to the rule itself. */
    name: z.string().min(1).optional(),
    /** How far the sale time may be behind the receive time (a device's backlog). */
    days: z.number().positive(),
    action,
  }),
  z.strictObject({
    /** The sale's store is in dim_store (a sale of an unknown store has no zone, name or region). */
    rule: z.literal('known_store'),
    /** The rule's name in counts, warnings and quarantine; defaults to the rule itself. */
    name: z.string().min(1).optional(),
    action,
  }),
])

export type ExpectationConfig = z.infer<typeof expectationSchema>

const silverSchema = z.strictObject({
  /**
   * Bronze rows enriched per transaction, at most. Behind bronze, a larger batch writes each index
   * page it touches once for more rows (docs/benchmarks.md, issue 24).
   */
  batchRows: z.number().int().min(1).max(100_000).default(10_000),
  /** Data-quality rules, applied in order; the first `drop` or `fail` decides. */
  expectations: z
    .array(expectationSchema)
    .default([])
    .refine(
      (rules) => new Set(rules.map((rule) => rule.name ?? rule.rule)).size === rules.length,
      'two expectations have the same name (a rule used twice needs a name)',
    ),
})

const retrySchema = z.strictObject({
  /** Attempts per scheduled sync, the first included. */
  attempts: z.number().int().min(1).max(20).default(5),
  /** Delay before the second attempt; doubled each time, with jitter. */
  baseDelayMs: z.number().int().min(1).default(1000),
  /** Longest delay between attempts. */
  maxDelayMs: z.number().int().min(1).default(60_000),
})

const dimsSchema = z.strictObject({
  /**
   * Where central serves dimensions, with `{dimension}` (product, customer, store) and
   * `{store_id}` placeholders, e.g. https://central/dims/{dimension}.csv?store={store_id}.
   * CSV unless the URL or Content-Type says JSON lines. Unset: no pull.
   */
  url: z
    .string()
    .url()
    .refine((url) => url.includes('{dimension}'), 'must contain {dimension}')
    .optional(),
  /** Bearer token sent to central, if it wants one. */
  token: z.string().min(1).optional(),
  /** An https URL signed by a private CA: that CA's PEM certificate (unset: the public roots). */
  caFile: caFile.optional(),
  /** Per request. */
  timeoutMs: z.number().int().min(100).default(30_000),
  /** Retries of a failed pull: network errors, timeouts, 5xx and 429 (not other 4xx). */
  retry: retrySchema.prefault({}),
})

const goldSchema = z.strictObject({
  /** The gold thread recomputes changed days at most this often: the staff totals' freshness. */
  refreshIntervalMs: z.number().int().min(100).max(60_000).default(1000),
})

const inventorySchema = z.strictObject({
  /** A product with fewer days of cover than this (on hand / its average daily sales over 7 days) is running low (docs/inventory.md). */
  lowDays: z.number().min(0).max(365).default(2),
})

const snapshotSchema = z.strictObject({
  /**
   * Disk the snapshot files may take. Over it, files of delivered snapshots go, superseded ones
   * first; unshipped ones never: new snapshots wait instead (docs/snapshots.md).
   */
  maxDiskMiB: z.number().int().min(1).default(1024),
})

const uploadSchema = z
  .strictObject({
    /** Where snapshots are shipped: none (central pulls), directory, http (PUT) or s3. */
    target: z.enum(['none', 'directory', 'http', 's3']).default('none'),
    /** target "directory": a copy into a folder. */
    directory: z
      .strictObject({
        /** A local or mounted directory. */
        path: z.string().min(1),
      })
      .optional(),
    /** target "http": PUT to a web server. */
    http: z
      .strictObject({
        /** Base URL: objects go to PUT {url}/{key}. */
        url: z.string().url(),
        /** Bearer token, if the server wants one. */
        token: z.string().min(1).optional(),
        /** An https URL signed by a private CA: that CA's PEM certificate (unset: the public roots). */
        caFile: caFile.optional(),
      })
      .optional(),
    /** target "s3": PUT to an S3-compatible store (AWS S3, MinIO, Ceph), signed with SigV4. */
    s3: z
      .strictObject({
        /** The service's URL, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000 (path-style requests). */
        endpoint: z.string().url(),
        /** The bucket the snapshots go into. */
        bucket: z.string().min(1),
        /** The signing region (MinIO and most others accept the default). */
        region: z.string().min(1).default('us-east-1'),
        /** Access key of a user that may PutObject under `prefix`. */
        accessKeyId: z.string().min(1),
        /** Its secret: keep the config file readable by the service user only. */
        secretAccessKey: z.string().min(1),
        /** Key prefix inside the bucket, e.g. "stores/store_001/". */
        prefix: z.string().default(''),
        /** An https endpoint signed by a private CA (a MinIO of central's): that CA's PEM certificate (unset: the public roots). */
        caFile: caFile.optional(),
      })
      .optional(),
    /** Per request. */
    timeoutMs: z.number().int().min(100).default(60_000),
    /** Retries of a failed upload: the outbox keeps the snapshot until one succeeds. */
    retry: z
      .strictObject({
        /** Wait after the first failure; doubled each time, with full jitter. */
        baseDelayMs: z.number().int().min(1).default(10_000),
        /** Longest wait between attempts: an uplink back after days is tried at least this often. */
        maxDelayMs: z.number().int().min(1).default(3_600_000),
      })
      .prefault({}),
  })
  .refine((upload) => upload.target === 'none' || upload[upload.target] !== undefined, {
    message: 'the chosen target needs its section (upload.directory, upload.http or upload.s3)',
    path: ['target'],
  })

/** The central side: what `medallion-edge pull --config FILE` pulls, with what, into where. */
const pullSchema = z.strictObject({
  /** Base URLs of the gateways to pull from, e.g. http://gw-store-001:8080 (`--from` adds to them). */
  from: z.array(z.string().url()).default([]),
  /**
   * The gateways' central bearer token (`http.tokens.central` on them). Prefer the environment
   * variable MEDALLION_EDGE_CENTRAL_TOKEN, which keeps it out of files and out of `ps`.
   */
  token: z.string().min(16).optional(),
  /** The lake folder (`--into` overrides it). */
  into: z.string().min(1).optional(),
  /**
   * The gateways serve HTTPS with certificates of a private CA (or `install.sh --tls-self-signed`
   * ones): that CA's PEM certificate, or the gateways' own certificates (unset: the public roots).
   */
  caFile: caFile.optional(),
  /** Per request. */
  timeoutMs: z.number().int().min(100).default(60_000),
})

/** Named jobs and their cron expressions, in the store's time zone (see docs/scheduler.md). */
const scheduleSchema = z.strictObject({
  /** Gold catch-up, a safety net under the continuous refresh. */
  goldRefresh: cronExpression.default('* * * * *'),
  /** Pull of the dimensions from central (when dims.url is set). */
  dimsSync: cronExpression.default('*/15 * * * *'),
  /** Parquet snapshots of the changed days: hourly covers today, the first run after midnight yesterday's close. */
  snapshot: cronExpression.default('5 * * * *'),
  /** Shipping of due snapshots (retries follow upload.retry). */
  upload: cronExpression.default('* * * * *'),
  /** Retention: delivered old days pruned, rejects and gold trimmed, files compacted. */
  retention: cronExpression.default('17 3 * * *'),
})

const logSchema = z.strictObject({
  /** pino level. */
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export const configSchema = z.strictObject({
  /** Free text for people reading the file; ignored. */
  $comment: z.string().optional(),
  /** Directory of the SQLite files; relative paths are resolved against the working directory. */
  dataDir: z.string().min(1).default('./data'),
  /** The store this gateway serves. */
  storeId: id.default('store_001'),
  /** The store's IANA time zone: sale dates of stores missing from dim_store, and schedules. */
  timezone: timezone.default('UTC'),
  /** The currency of every price: ISO 4217 code and its minor-unit digits (prices are stored in minor units). */
  currency: currencySchema.prefault({}),
  /** The log (pino JSON on stdout): its level. */
  log: logSchema.prefault({}),
  /** The MQTT broker devices publish to: listeners, authentication, limits, fair sharing. */
  mqtt: mqttSchema.prefault({}),
  /** The HTTP server: staff page, totals and gold API, central pull, health and metrics; its tokens. */
  http: httpSchema.prefault({}),
  /** The staff page: its locale, and when a device counts as silent. */
  dashboard: dashboardSchema.prefault({}),
  /** Bronze: page cache, group size, reject payloads. */
  bronze: bronzeSchema.prefault({}),
  /** Every database file: its durability, and the disk reserve under which new sales are no longer acked. */
  storage: storageSchema.prefault({}),
  /** How long each layer keeps old days, and the bound on rejects. */
  retention: retentionSchema.prefault({}),
  /** Silver: enrichment batches and the data-quality rules (expectations). */
  silver: silverSchema.prefault({}),
  /** Dimensions pulled from central. */
  dims: dimsSchema.prefault({}),
  /** Gold: how fresh the staff totals are. */
  gold: goldSchema.prefault({}),
  inventory: inventorySchema.prefault({}),
  /** Parquet snapshots: their disk bound. */
  snapshot: snapshotSchema.prefault({}),
  /** Where snapshots are shipped, and how often a failed upload is retried. */
  upload: uploadSchema.prefault({}),
  /** The central side (`medallion-edge pull`): which gateways, with what token, into which lake folder. */
  pull: pullSchema.prefault({}),
  /** When the scheduled jobs run (cron, in the store's time zone). */
  schedule: scheduleSchema.prefault({}),
})

export type Config = z.infer<typeof configSchema>
export type MqttConfig = Config['mqtt']
export type DimsConfig = Config['dims']
export type UploadConfig = Config['upload']
