package floe.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryRow;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.disk.IOManager;
import org.apache.paimon.io.DataFileMeta;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.sink.StreamTableCommit;
import org.apache.paimon.table.sink.StreamTableWrite;
import org.apache.paimon.table.sink.StreamWriteBuilder;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ReadBuilder;
import org.apache.paimon.table.source.Split;
import org.apache.paimon.types.DataTypes;
import org.apache.paimon.types.RowKind;

/**
 * The Paimon side of benchmarks/ingest: Debezium MariaDB change events of
 * the MediaWiki `revision` table (JSON, schemas off, as `floe sample revision
 * --schemas off` makes them) consumed from a Kafka topic with the Java Kafka
 * client, each message parsed with Jackson into a tree, mapped to a Paimon
 * row of the table's 10 columns (BIGINT, BYTES for MariaDB's BINARY and
 * VARBINARY, SMALLINT for TINYINT UNSIGNED: the types floe gives them) and
 * written with Paimon's Java writer; a commit every --commit-interval-ms or
 * --commit-max-rows messages (floe ingest's commit.interval.ms and
 * commit.max.rows), and when the topic is consumed up to the end offsets
 * seen at the start, a full compaction and the last commit. One JSON object
 * on stdout. See README.md beside this file, "The ingest mode".
 *
 * Operation mapping, as floe ingest does it: c/r -> +I of "after", u -> +U of
 * "after" (no -U), d -> -D of "before"; a tombstone (null or empty value) is
 * counted and skipped.
 */
final class IngestBench {

    static final Identifier IDENT = Identifier.create("wiki", "revision");
    static final String[] COLS = {"rev_id", "rev_page", "rev_comment_id", "rev_actor", "rev_timestamp",
        "rev_minor_edit", "rev_deleted", "rev_len", "rev_parent_id", "rev_sha1"};

    static final class Args {
        String bootstrap, topic;
        Path dir;
        long commitIntervalMs = 10_000, commitMaxRows = 500_000;
        String writeBufferSize = "256mb";
        int bucket = 1;
        boolean parseOnly, verify, fullCompact = true, keep;
        Map<String, String> extra = new LinkedHashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();
    }

    static void usage() {
        System.err.println(String.join("\n",
            "usage: PaimonBench ingest --bootstrap HOST:PORT --topic T [options]",
            "  --dir DIR                 fresh or empty (default: a temp dir, removed unless --keep)",
            "  --commit-interval-ms N    (10000)   --commit-max-rows N (500000, messages between commits)",
            "  --write-buffer-size S     (256mb)   --bucket N (1)   --option KEY=VALUE (table option)",
            "  --kafka KEY=VALUE         a Kafka consumer property (repeatable)",
            "  --no-full-compact         skip the full compaction at the end",
            "  --parse-only              consume and parse only (no table: the Java ceiling)",
            "  --verify                  read the table back and print its checksum"));
    }

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            String v = i + 1 < argv.length ? argv[i + 1] : null;
            switch (k) {
                case "--bootstrap": a.bootstrap = PaimonBench.need(k, v); i++; break;
                case "--topic": a.topic = PaimonBench.need(k, v); i++; break;
                case "--dir": a.dir = Paths.get(PaimonBench.need(k, v)); i++; break;
                case "--commit-interval-ms": a.commitIntervalMs = Long.parseLong(PaimonBench.need(k, v)); i++; break;
                case "--commit-max-rows": a.commitMaxRows = Long.parseLong(PaimonBench.need(k, v)); i++; break;
                case "--write-buffer-size": a.writeBufferSize = PaimonBench.need(k, v); i++; break;
                case "--bucket": a.bucket = Integer.parseInt(PaimonBench.need(k, v)); i++; break;
                case "--option": case "--kafka": {
                    String kv = PaimonBench.need(k, v); i++;
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException(k + " needs KEY=VALUE");
                    (k.equals("--option") ? a.extra : a.kafka).put(kv.substring(0, eq), kv.substring(eq + 1));
                    break;
                }
                case "--no-full-compact": a.fullCompact = false; break;
                case "--parse-only": a.parseOnly = true; break;
                case "--verify": a.verify = true; break;
                case "--keep": a.keep = true; break;
                case "-h": case "--help": usage(); System.exit(0); break;
                default: throw new IllegalArgumentException("unknown argument " + k);
            }
        }
        if (a.bootstrap == null || a.topic == null) throw new IllegalArgumentException("--bootstrap and --topic are needed");
        return a;
    }

    static int run(String[] argv) throws Exception {
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("PaimonBench ingest: " + e.getMessage());
            usage();
            return 2;
        }
        boolean tempDir = a.dir == null;
        Path dir = tempDir ? Files.createTempDirectory("floe-paimon-ingest-") : a.dir;
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            if (s.anyMatch(p -> !p.getFileName().toString().equals(PaimonBench.MARKER)))
                throw new IllegalStateException(dir + " is not empty: give a fresh --dir");
        }
        Files.writeString(dir.resolve(PaimonBench.MARKER), "made by floe.bench.PaimonBench ingest\n");
        try {
            return runIn(a, dir);
        } finally {
            if (tempDir && !a.keep) PaimonBench.deleteTree(dir);
        }
    }

    /** Counts of what was consumed. */
    static final class Counts {
        long messages, rows, tombstones, inserts, updates, deletes, bytes, commits;
    }

    static int runIn(Args a, Path dir) throws Exception {
        Path warehouse = dir.resolve("warehouse"), spill = dir.resolve("spill");
        Files.createDirectories(spill);
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        PaimonBench.Json j = new PaimonBench.Json();
        j.str("peer", "paimon").str("mode", a.parseOnly ? "ingest-parse-only" : "ingest")
         .str("version", PaimonBench.paimonVersion()).str("java", System.getProperty("java.version"));
        double cpuStart = os.getProcessCpuTime() / 1e9;   // JVM start-up until here: not in the window

        // ---- timed: table, consumer, consume + parse + write + commits, full compaction ----
        long gc0 = PaimonBench.gcMillis(), cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime();
        Counts n = new Counts();
        ObjectMapper mapper = new ObjectMapper();
        Catalog catalog = null;
        Table table = null;
        StreamTableWrite w = null;
        StreamTableCommit c = null;
        IOManager io = null;
        long tCaught, tEnd, tFirst = 0;
        double compactSeconds = 0;
        try {
            if (!a.parseOnly) {
                Map<String, String> opts = new LinkedHashMap<>();
                opts.put("bucket", Integer.toString(a.bucket));
                opts.put("file.format", "orc");
                opts.put("file.compression", "zstd");
                opts.put("write-buffer-size", a.writeBufferSize);
                opts.putAll(a.extra);
                catalog = PaimonBench.catalog(warehouse);
                catalog.createDatabase(IDENT.getDatabaseName(), true);
                catalog.createTable(IDENT, Schema.newBuilder()
                    .column("rev_id", DataTypes.BIGINT().notNull())
                    .column("rev_page", DataTypes.BIGINT().notNull())
                    .column("rev_comment_id", DataTypes.BIGINT().notNull())
                    .column("rev_actor", DataTypes.BIGINT().notNull())
                    .column("rev_timestamp", DataTypes.BYTES().notNull())
                    .column("rev_minor_edit", DataTypes.SMALLINT().notNull())
                    .column("rev_deleted", DataTypes.SMALLINT().notNull())
                    .column("rev_len", DataTypes.BIGINT())
                    .column("rev_parent_id", DataTypes.BIGINT())
                    .column("rev_sha1", DataTypes.BYTES().notNull())
                    .primaryKey("rev_id")
                    .options(opts)
                    .build(), false);
                table = catalog.getTable(IDENT);
                io = IOManager.create(spill.toString());
                StreamWriteBuilder wb = table.newStreamWriteBuilder();
                w = (StreamTableWrite) wb.newWrite().withIOManager(io);
                c = wb.newCommit();
            }
            Properties kp = new Properties();
            kp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
            kp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            kp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            kp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            kp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            kp.put(ConsumerConfig.CLIENT_ID_CONFIG, "paimon-ingest-bench");
            kp.putAll(a.kafka);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kp)) {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo p : consumer.partitionsFor(a.topic, Duration.ofSeconds(30)))
                    tps.add(new TopicPartition(a.topic, p.partition()));
                // until caught up: the end offsets seen at the start, as floe's --until-caught-up
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                Map<TopicPartition, Long> end = consumer.endOffsets(tps);
                Map<TopicPartition, Long> next = new HashMap<>(consumer.beginningOffsets(tps));
                long lastCommit = System.nanoTime(), pending = 0, intervalNs = a.commitIntervalMs * 1_000_000L;
                while (!caughtUp(next, end)) {
                    ConsumerRecords<byte[], byte[]> recs = consumer.poll(Duration.ofMillis(200));
                    if (tFirst == 0 && !recs.isEmpty()) tFirst = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : recs) {
                        apply(r.value(), mapper, w, n);
                        n.messages++;
                        pending++;
                        next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                        if (!a.parseOnly && pending >= a.commitMaxRows) {
                            PaimonBench.commit(w, c, n.commits++, false, new PaimonBench.FileTally());
                            pending = 0;
                            lastCommit = System.nanoTime();
                        }
                    }
                    if (!a.parseOnly && pending > 0 && System.nanoTime() - lastCommit >= intervalNs) {
                        PaimonBench.commit(w, c, n.commits++, false, new PaimonBench.FileTally());
                        pending = 0;
                        lastCommit = System.nanoTime();
                    }
                }
            }
            tCaught = System.nanoTime();
            if (!a.parseOnly) {
                // the last commit, with a full compaction of every bucket (the writer
                // flushes its buffer first and waits for the compaction)
                if (a.fullCompact) for (int b = 0; b < a.bucket; b++) w.compact(BinaryRow.EMPTY_ROW, b, true);
                PaimonBench.commit(w, c, n.commits++, true, new PaimonBench.FileTally());
                w.close();
                w = null;
                c.close();
                c = null;
            }
            tEnd = System.nanoTime();
            compactSeconds = (tEnd - tCaught) / 1e9;
        } finally {
            if (w != null) w.close();
            if (c != null) c.close();
        }
        double seconds = (tEnd - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9, gc = (PaimonBench.gcMillis() - gc0) / 1e3;
        long hwm = PaimonBench.vmKb("VmHWM");
        j.num("messages", n.messages).num("rows", n.rows).num("tombstones", n.tombstones)
         .num("inserts", n.inserts).num("updates", n.updates).num("deletes", n.deletes)
         .num("value_bytes", n.bytes).num("commits", n.commits);
        j.dbl("seconds", seconds).dbl("cpu_seconds", cpu).dbl("gc_seconds", gc)
         .dbl("messages_per_sec", n.messages / seconds).dbl("rows_per_sec", n.rows / seconds)
         .dbl("rows_per_cpu_sec", n.rows / cpu)
         .dbl("setup_seconds", ((tFirst == 0 ? tCaught : tFirst) - t0) / 1e9)
         .dbl("consume_seconds", (tCaught - t0) / 1e9).dbl("final_commit_seconds", compactSeconds)
         .dbl("jvm_startup_cpu_seconds", cpuStart);

        boolean ok = true;
        if (!a.parseOnly) {
            long finalBytes = 0, finalFiles = 0, finalRows = 0;
            Map<Integer, Integer> levels = new java.util.TreeMap<>();
            for (Split s : table.newReadBuilder().newScan().plan().splits()) {
                for (DataFileMeta f : ((DataSplit) s).dataFiles()) {
                    finalBytes += f.fileSize(); finalFiles++; finalRows += f.rowCount();
                    levels.merge(f.level(), 1, Integer::sum);
                }
            }
            long[] dirBytes = PaimonBench.dirBytes(warehouse);
            j.num("final_bytes", finalBytes).num("files", finalFiles).num("final_file_rows", finalRows)
             .num("dir_data_bytes", dirBytes[0]).num("dir_meta_bytes", dirBytes[1])
             .num("snapshot_id", table.latestSnapshot().map(s -> s.id()).orElse(-1L));
            j.obj("levels");
            for (Map.Entry<Integer, Integer> e : levels.entrySet()) j.num(Integer.toString(e.getKey()), e.getValue());
            j.end();
            if (a.verify) {
                long tv = System.nanoTime();
                Sum got = readBack(table);
                j.obj("verify");
                got.json(j);
                j.dbl("seconds", (System.nanoTime() - tv) / 1e9);
                j.end();
            }
            catalog.close();
        }
        if (io != null) io.close();
        j.num("peak_rss_kb", PaimonBench.vmKb("VmHWM")).num("peak_rss_kb_window", hwm)
         .num("cores", Runtime.getRuntime().availableProcessors())
         .num("max_heap_bytes", Runtime.getRuntime().maxMemory());
        j.arr("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
        j.obj("options").str("topic", a.topic).num("commit_interval_ms", a.commitIntervalMs)
         .num("commit_max_rows", a.commitMaxRows).str("write_buffer_size", a.writeBufferSize)
         .num("bucket", a.bucket).bool("full_compact", a.fullCompact).bool("parse_only", a.parseOnly);
        if (table != null) {
            j.obj("table");
            for (Map.Entry<String, String> e : table.options().entrySet())
                if (!e.getKey().equals("path")) j.str(e.getKey(), e.getValue());
            j.end();
        }
        j.str("dir", dir.toString()).end();
        System.out.println(j.done());
        return ok ? 0 : 1;
    }

    static boolean caughtUp(Map<TopicPartition, Long> next, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet())
            if (next.getOrDefault(e.getKey(), 0L) < e.getValue()) return false;
        return true;
    }

    /** One Debezium message: parse, map, write (w == null: parse and map only). */
    static void apply(byte[] value, ObjectMapper mapper, StreamTableWrite w, Counts n) throws Exception {
        if (value == null || value.length == 0) { n.tombstones++; return; }
        n.bytes += value.length;
        JsonNode root = mapper.readTree(value);
        JsonNode opn = root.get("op");
        String op = opn == null ? "" : opn.textValue();
        RowKind kind;
        JsonNode row;
        switch (op) {
            case "c": case "r": kind = RowKind.INSERT; row = root.get("after"); n.inserts++; break;
            case "u": kind = RowKind.UPDATE_AFTER; row = root.get("after"); n.updates++; break;
            case "d": kind = RowKind.DELETE; row = root.get("before"); n.deletes++; break;
            default: throw new IllegalStateException("unknown op \"" + op + "\"");
        }
        if (row == null || !row.isObject()) throw new IllegalStateException("op " + op + " without its row");
        GenericRow g = GenericRow.ofKind(kind,
            row.get("rev_id").longValue(), row.get("rev_page").longValue(),
            row.get("rev_comment_id").longValue(), row.get("rev_actor").longValue(),
            row.get("rev_timestamp").binaryValue(),           // base64 (binary.handling.mode=bytes)
            row.get("rev_minor_edit").shortValue(), row.get("rev_deleted").shortValue(),
            nullableLong(row.get("rev_len")), nullableLong(row.get("rev_parent_id")),
            row.get("rev_sha1").binaryValue());
        n.rows++;
        if (w != null) w.write(g);
    }

    static Long nullableLong(JsonNode v) { return v == null || v.isNull() ? null : v.longValue(); }

    // ---- checksum "floe-ingest-v1" (benchmarks/ingest/run.py computes the same) ----

    /**
     * For each live row the canonical line: the 10 columns in table order,
     * integers in decimal, binary columns as their raw bytes, NULL as \N,
     * joined by TAB; h = the first 8 bytes of its MD5 as a big-endian
     * unsigned 64-bit number. rows, sum_rev_id (mod 2^64), row_hash_sum
     * (mod 2^64), row_hash_xor.
     */
    static final class Sum {
        long rows, sumId, hashSum, hashXor;
        final MessageDigest md;
        final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(128);
        Sum() throws Exception { md = MessageDigest.getInstance("MD5"); }

        void field(Object v, boolean first) {
            if (!first) line.write('\t');
            byte[] b = v == null ? "\\N".getBytes(StandardCharsets.US_ASCII)
                : v instanceof byte[] ? (byte[]) v : v.toString().getBytes(StandardCharsets.US_ASCII);
            line.write(b, 0, b.length);
        }

        void add(Object[] cols) {
            line.reset();
            for (int i = 0; i < cols.length; i++) field(cols[i], i == 0);
            byte[] d = md.digest(line.toByteArray());
            long h = 0;
            for (int i = 0; i < 8; i++) h = (h << 8) | (d[i] & 0xff);
            rows++; sumId += (Long) cols[0]; hashSum += h; hashXor ^= h;
        }

        void json(PaimonBench.Json j) {
            j.num("rows", rows).str("sum_rev_id", Long.toUnsignedString(sumId))
             .str("row_hash_sum", Long.toUnsignedString(hashSum)).str("row_hash_xor", Long.toUnsignedString(hashXor));
        }
    }

    static Sum readBack(Table table) throws Exception {
        ReadBuilder rb = table.newReadBuilder();
        Sum s = new Sum();
        long[] retract = {0};
        try (RecordReader<InternalRow> reader = rb.newRead().createReader(rb.newScan().plan().splits())) {
            reader.forEachRemaining(r -> {
                if (r.getRowKind() == RowKind.DELETE || r.getRowKind() == RowKind.UPDATE_BEFORE) { retract[0]++; return; }
                s.add(new Object[] {r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getBinary(4),
                    r.getShort(5), r.getShort(6), r.isNullAt(7) ? null : r.getLong(7),
                    r.isNullAt(8) ? null : r.getLong(8), r.getBinary(9)});
            });
        }
        if (retract[0] != 0) throw new IllegalStateException("read returned " + retract[0] + " retract rows");
        return s;
    }
}
