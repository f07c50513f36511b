package floe.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.CatalogContext;
import org.apache.paimon.catalog.CatalogFactory;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.BinaryRow;
import org.apache.paimon.data.BinaryString;
import org.apache.paimon.data.GenericRow;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.disk.IOManager;
import org.apache.paimon.io.DataFileMeta;
import org.apache.paimon.options.Options;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.schema.Schema;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.sink.CommitMessage;
import org.apache.paimon.table.sink.CommitMessageImpl;
import org.apache.paimon.table.sink.StreamTableCommit;
import org.apache.paimon.table.sink.StreamTableWrite;
import org.apache.paimon.table.sink.StreamWriteBuilder;
import org.apache.paimon.table.source.DataSplit;
import org.apache.paimon.table.source.ReadBuilder;
import org.apache.paimon.table.source.Split;
import org.apache.paimon.types.DataTypes;
import org.apache.paimon.types.RowKind;

/**
 * Apache Paimon's own Java writer as the measured peer of floe's write
 * benchmarks. One JVM run: generate a deterministic MediaWiki-revision
 * workload (see README.md for the exact generator), write it into a fresh
 * primary-key table in a local warehouse, optionally fully compact it and
 * read it back, and print one JSON object on stdout.
 */
public final class PaimonBench {

    // ---- generator (the spec is README.md; floe's C benchmark mirrors it) ----

    static final byte K_INSERT = 0, K_UPDATE = 2, K_DELETE = 3;   // RowKind byte values
    static final byte[] B36 = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
    static final int TS_LEN = 14, SHA_LEN = 31;
    static final long TS_BASE = 978307200L;      // 2001-01-01T00:00:00Z
    static final long TS_SPAN = 788918400L;      // up to 2026-01-01T00:00:00Z (exclusive)
    static final double TWO_53 = 9007199254740992.0;

    /** splitmix64 (Steele, Lea, Flood 2014), as in java.util.SplittableRandom's mix. */
    static final class Rng {
        long state;
        Rng(long seed) { state = seed; }
        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
        /** next() modulo m, both as unsigned 64-bit. */
        long below(long m) { return Long.remainderUnsigned(next(), m); }
    }

    /** The whole workload, column-wise, pre-generated before the timed phase. */
    static final class Ops {
        final int n;
        final byte[] kind;
        final long[] id, page, comment, actor, parent;
        final int[] len;
        final byte[] minor, deleted;
        final byte[] ts;    // n * 14 ASCII bytes
        final byte[] sha;   // n * 31 ASCII bytes
        long inserted, updates, deletes;

        Ops(int n) {
            this.n = n;
            kind = new byte[n];
            id = new long[n]; page = new long[n]; comment = new long[n]; actor = new long[n]; parent = new long[n];
            len = new int[n];
            minor = new byte[n]; deleted = new byte[n];
            ts = new byte[n * TS_LEN];
            sha = new byte[n * SHA_LEN];
        }

        long bytes() { return (long) n * (1 + 8 * 5 + 4 + 2 + TS_LEN + SHA_LEN); }
    }

    static long threshold(double ratio) { return (long) (ratio * TWO_53); }

    static Ops generate(long seed, int n, double updateRatio, double deleteRatio) {
        if ((long) n * SHA_LEN > Integer.MAX_VALUE) throw new IllegalArgumentException("--ops too large");
        Ops o = new Ops(n);
        Rng r = new Rng(seed);
        long tu = threshold(updateRatio), td = threshold(deleteRatio);
        long inserted = 0;
        for (int i = 0; i < n; i++) {
            long u = r.next() >>> 11;
            byte k;
            if (inserted == 0) k = K_INSERT;
            else if (u < tu) k = K_UPDATE;
            else if (u < tu + td) k = K_DELETE;
            else k = K_INSERT;
            long id = (k == K_INSERT) ? ++inserted : 1 + r.below(inserted);
            o.kind[i] = k;
            o.id[i] = id;
            o.page[i] = 1 + r.below(1_000_000L);
            o.comment[i] = 1 + r.below(1_000_000_000L);
            o.actor[i] = 1 + r.below(100_000L);
            formatTimestamp(TS_BASE + r.below(TS_SPAN), o.ts, i * TS_LEN);
            o.minor[i] = (byte) r.below(2);
            long x = r.next();
            o.deleted[i] = Long.remainderUnsigned(x, 32) == 0 ? (byte) (1 + Long.remainderUnsigned(x >>> 5, 15)) : 0;
            o.len[i] = (int) r.below(200_000L);
            o.parent[i] = r.below(id);
            int p = i * SHA_LEN;
            p = base36(r.next(), 12, o.sha, p);
            p = base36(r.next(), 12, o.sha, p);
            base36(r.next(), 7, o.sha, p);
            if (k == K_UPDATE) o.updates++;
            else if (k == K_DELETE) o.deletes++;
        }
        o.inserted = inserted;
        return o;
    }

    /** digits of x in base 36, least significant first, as unsigned. */
    static int base36(long x, int digits, byte[] out, int p) {
        for (int d = 0; d < digits; d++) {
            out[p++] = B36[(int) Long.remainderUnsigned(x, 36)];
            x = Long.divideUnsigned(x, 36);
        }
        return p;
    }

    /** seconds since the epoch -> UTC 'YYYYMMDDHHMMSS' (H. Hinnant's civil_from_days). */
    static void formatTimestamp(long t, byte[] out, int p) {
        long days = Math.floorDiv(t, 86400L), sod = Math.floorMod(t, 86400L);
        long z = days + 719468, era = Math.floorDiv(z, 146097L), doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
        long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        digits(y, 4, out, p); digits(m, 2, out, p + 4); digits(d, 2, out, p + 6);
        digits(sod / 3600, 2, out, p + 8); digits(sod / 60 % 60, 2, out, p + 10); digits(sod % 60, 2, out, p + 12);
    }

    static void digits(long v, int w, byte[] out, int p) {
        for (int i = w - 1; i >= 0; i--) { out[p + i] = (byte) ('0' + v % 10); v /= 10; }
    }

    // ---- checksum of a table state (README.md: "Checksum") ----

    static final class Checksum {
        long rows, sumId, hashSum, hashXor;
        final StringBuilder sb = new StringBuilder(128);

        void add(long id, long page, long comment, long actor, String ts, int minor, int deleted,
                 long len, long parent, String sha) {
            sb.setLength(0);
            sb.append(id).append('\t').append(page).append('\t').append(comment).append('\t').append(actor)
              .append('\t').append(ts).append('\t').append(minor).append('\t').append(deleted)
              .append('\t').append(len).append('\t').append(parent).append('\t').append(sha);
            long h = 0xcbf29ce484222325L;
            for (int i = 0; i < sb.length(); i++) { h ^= sb.charAt(i) & 0xff; h *= 0x100000001b3L; }
            rows++; sumId += id; hashSum += h; hashXor ^= h;
        }

        void json(Json j) {
            j.num("rows", rows).str("sum_rev_id", Long.toUnsignedString(sumId))
             .str("row_hash_sum", Long.toUnsignedString(hashSum)).str("row_hash_xor", Long.toUnsignedString(hashXor));
        }

        boolean same(Checksum o) {
            return rows == o.rows && sumId == o.sumId && hashSum == o.hashSum && hashXor == o.hashXor;
        }
    }

    /** The expected final table: for every key its last operation, unless that was a delete. */
    static Checksum expected(Ops o) {
        int[] last = new int[(int) o.inserted + 1];
        java.util.Arrays.fill(last, -1);
        for (int i = 0; i < o.n; i++) last[(int) o.id[i]] = i;
        Checksum c = new Checksum();
        for (int id = 1; id <= o.inserted; id++) {
            int i = last[id];
            if (i < 0 || o.kind[i] == K_DELETE) continue;
            c.add(o.id[i], o.page[i], o.comment[i], o.actor[i],
                  new String(o.ts, i * TS_LEN, TS_LEN, StandardCharsets.US_ASCII), o.minor[i], o.deleted[i],
                  o.len[i], o.parent[i], new String(o.sha, i * SHA_LEN, SHA_LEN, StandardCharsets.US_ASCII));
        }
        return c;
    }

    static Checksum readBack(Table table) throws Exception {
        ReadBuilder rb = table.newReadBuilder();
        List<Split> splits = rb.newScan().plan().splits();
        Checksum c = new Checksum();
        long[] skipped = {0};
        try (RecordReader<InternalRow> reader = rb.newRead().createReader(splits)) {
            reader.forEachRemaining(row -> {
                if (row.getRowKind() == RowKind.DELETE || row.getRowKind() == RowKind.UPDATE_BEFORE) { skipped[0]++; return; }
                c.add(row.getLong(0), row.getLong(1), row.getLong(2), row.getLong(3), row.getString(4).toString(),
                      row.getByte(5), row.getByte(6), row.getInt(7), row.getLong(8), row.getString(9).toString());
            });
        }
        if (skipped[0] != 0) throw new IllegalStateException("read returned " + skipped[0] + " retract rows");
        return c;
    }

    // ---- options ----

    static final class Args {
        long seed = 42;
        int ops = 1_000_000;
        double updateRatio = 0.2, deleteRatio = 0.0;
        int bucket = 1;
        String writeBufferSize = "256mb";
        String targetFileSize, compactionTrigger;
        boolean writeOnly, fullCompact, verify, verifyOnly, genOnly, keep;
        long commitEvery = 0;
        Path dir, emitOps;
        Map<String, String> extra = new LinkedHashMap<>();
    }

    static void usage() {
        System.err.println(String.join("\n",
            "usage: PaimonBench [options]            write the workload, print one JSON object",
            "       PaimonBench ingest --bootstrap HOST:PORT --topic T [...]   (benchmarks/ingest; ingest --help)",
            "       PaimonBench --gen-only [--emit-ops FILE] [generator options]",
            "       PaimonBench --verify-only --dir DIR",
            "generator:  --seed N (42)  --ops N (1000000)  --update-ratio R (0.2)  --delete-ratio R (0)",
            "table:      --bucket N (1)  --write-buffer-size S (256mb)  --target-file-size S",
            "            --compaction-trigger N (num-sorted-run.compaction-trigger)  --write-only",
            "            --option KEY=VALUE (any Paimon table option; repeatable)",
            "run:        --commit-every N (0: one commit at the end)  --full-compact  --verify",
            "            --dir DIR (fresh or empty; warehouse in DIR/warehouse; default a temp dir,",
            "            removed at exit unless --keep)  --emit-ops FILE (the operations as JSON lines)"));
    }

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            String val = (i + 1 < argv.length) ? argv[i + 1] : null;
            switch (k) {
                case "--seed": a.seed = Long.parseUnsignedLong(need(k, val)); i++; break;
                case "--ops": a.ops = Integer.parseInt(need(k, val)); i++; break;
                case "--update-ratio": a.updateRatio = Double.parseDouble(need(k, val)); i++; break;
                case "--delete-ratio": a.deleteRatio = Double.parseDouble(need(k, val)); i++; break;
                case "--bucket": a.bucket = Integer.parseInt(need(k, val)); i++; break;
                case "--write-buffer-size": a.writeBufferSize = need(k, val); i++; break;
                case "--target-file-size": a.targetFileSize = need(k, val); i++; break;
                case "--compaction-trigger": a.compactionTrigger = need(k, val); i++; break;
                case "--commit-every": a.commitEvery = Long.parseLong(need(k, val)); i++; break;
                case "--dir": a.dir = Paths.get(need(k, val)); i++; break;
                case "--emit-ops": a.emitOps = Paths.get(need(k, val)); i++; break;
                case "--option": {
                    String kv = need(k, val); i++;
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--option needs KEY=VALUE");
                    a.extra.put(kv.substring(0, eq), kv.substring(eq + 1));
                    break;
                }
                case "--write-only": a.writeOnly = true; break;
                case "--full-compact": a.fullCompact = true; break;
                case "--verify": a.verify = true; break;
                case "--verify-only": a.verifyOnly = true; break;
                case "--gen-only": a.genOnly = true; break;
                case "--keep": a.keep = true; break;
                case "-h": case "--help": usage(); System.exit(0); break;
                default: throw new IllegalArgumentException("unknown argument " + k);
            }
        }
        if (a.ops < 0) throw new IllegalArgumentException("--ops must be >= 0");
        if (a.updateRatio < 0 || a.deleteRatio < 0 || a.updateRatio + a.deleteRatio > 1)
            throw new IllegalArgumentException("ratios must be >= 0 and sum to <= 1");
        if (a.verifyOnly && a.dir == null) throw new IllegalArgumentException("--verify-only needs --dir");
        return a;
    }

    static String need(String k, String v) {
        if (v == null) throw new IllegalArgumentException(k + " needs a value");
        return v;
    }

    // ---- the run ----

    static final Identifier IDENT = Identifier.create("bench", "revision");
    static final String MARKER = ".floe-paimon-bench";

    public static void main(String[] argv) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
            System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        // "Could not find Hadoop configuration": expected, the warehouse is local
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.paimon.utils.HadoopUtils", "error");
        if (argv.length > 0 && argv[0].equals("ingest")) {
            // benchmarks/ingest: Debezium JSON from Kafka into a Paimon table (IngestBench)
            int rc;
            try {
                rc = IngestBench.run(java.util.Arrays.copyOfRange(argv, 1, argv.length));
            } catch (Exception e) {
                System.err.println("PaimonBench ingest: failed: " + e);
                e.printStackTrace();
                rc = 1;
            }
            System.out.flush();
            System.exit(rc);
            return;
        }
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("PaimonBench: " + e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        int rc;
        try {
            rc = a.genOnly ? genOnly(a) : a.verifyOnly ? verifyOnly(a) : write(a);
        } catch (Exception e) {
            System.err.println("PaimonBench: failed: " + e);
            e.printStackTrace();
            rc = 1;
        }
        System.out.flush();
        System.exit(rc);
    }

    static int genOnly(Args a) throws IOException {
        Ops o = generate(a.seed, a.ops, a.updateRatio, a.deleteRatio);
        if (a.emitOps != null) emitOps(o, a.emitOps);
        Json j = new Json();
        j.str("peer", "paimon").str("mode", "gen-only");
        generatorJson(j, a, o);
        j.obj("expected"); expected(o).json(j); j.end();
        System.out.println(j.done());
        return 0;
    }

    static int verifyOnly(Args a) throws Exception {
        try (Catalog catalog = catalog(a.dir.resolve("warehouse"))) {
            Table t = catalog.getTable(IDENT);
            long t0 = System.nanoTime();
            Checksum c = readBack(t);
            Json j = new Json();
            j.str("peer", "paimon").str("version", paimonVersion()).str("mode", "verify-only");
            j.obj("verify"); c.json(j); j.dbl("seconds", (System.nanoTime() - t0) / 1e9); j.end();
            System.out.println(j.done());
        }
        return 0;
    }

    static Catalog catalog(Path warehouse) {
        Options o = new Options();
        o.set("warehouse", warehouse.toUri().toString());
        return CatalogFactory.createCatalog(CatalogContext.create(o));
    }

    static int write(Args a) throws Exception {
        long tg = System.nanoTime();
        Ops o = generate(a.seed, a.ops, a.updateRatio, a.deleteRatio);
        double genSeconds = (System.nanoTime() - tg) / 1e9;
        if (a.emitOps != null) emitOps(o, a.emitOps);

        boolean tempDir = a.dir == null;
        Path dir = tempDir ? Files.createTempDirectory("floe-paimon-bench-") : a.dir;
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            if (s.anyMatch(p -> !p.getFileName().toString().equals(MARKER)))
                throw new IllegalStateException(dir + " is not empty: give a fresh --dir");
        }
        Files.writeString(dir.resolve(MARKER), "made by floe.bench.PaimonBench\n");
        Path warehouse = dir.resolve("warehouse"), spill = dir.resolve("spill");
        Files.createDirectories(spill);
        try {
            return writeIn(a, o, genSeconds, dir, warehouse, spill);
        } finally {
            if (tempDir && !a.keep) deleteTree(dir);
        }
    }

    static int writeIn(Args a, Ops o, double genSeconds, Path dir, Path warehouse, Path spill) throws Exception {
        Map<String, String> tableOptions = new LinkedHashMap<>();
        tableOptions.put("bucket", Integer.toString(a.bucket));
        tableOptions.put("file.format", "orc");
        tableOptions.put("file.compression", "zstd");
        tableOptions.put("write-buffer-size", a.writeBufferSize);
        if (a.targetFileSize != null) tableOptions.put("target-file-size", a.targetFileSize);
        if (a.compactionTrigger != null) tableOptions.put("num-sorted-run.compaction-trigger", a.compactionTrigger);
        tableOptions.putAll(a.extra);
        // write-only is a dynamic option of the write phase only, so the full
        // compaction (and any later writer) sees an ordinary table.
        Map<String, String> writeOptions = new LinkedHashMap<>();
        if (a.writeOnly) writeOptions.put("write-only", "true");

        Json j = new Json();
        j.str("peer", "paimon").str("version", paimonVersion()).str("java", System.getProperty("java.version"));
        j.num("rows", o.n);
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        FileTally tally = new FileTally();
        IOManager io = IOManager.create(spill.toString());
        try (Catalog catalog = catalog(warehouse)) {
            catalog.createDatabase(IDENT.getDatabaseName(), true);
            Schema schema = Schema.newBuilder()
                .column("rev_id", DataTypes.BIGINT().notNull())
                .column("rev_page", DataTypes.BIGINT().notNull())
                .column("rev_comment_id", DataTypes.BIGINT().notNull())
                .column("rev_actor", DataTypes.BIGINT().notNull())
                .column("rev_timestamp", DataTypes.STRING().notNull())
                .column("rev_minor_edit", DataTypes.TINYINT().notNull())
                .column("rev_deleted", DataTypes.TINYINT().notNull())
                .column("rev_len", DataTypes.INT())
                .column("rev_parent_id", DataTypes.BIGINT())
                .column("rev_sha1", DataTypes.STRING().notNull())
                .primaryKey("rev_id")
                .options(tableOptions)
                .build();
            catalog.createTable(IDENT, schema, false);
            Table table = catalog.getTable(IDENT);

            // ---- timed: write + commit ----
            Table wtable = writeOptions.isEmpty() ? table : table.copy(writeOptions);
            StreamWriteBuilder wb = wtable.newStreamWriteBuilder();
            long commits = 0;
            long gc0 = gcMillis(), cpu0 = os.getProcessCpuTime(), t0 = System.nanoTime(), tLoop;
            try (StreamTableWrite w = (StreamTableWrite) wb.newWrite().withIOManager(io);
                 StreamTableCommit c = wb.newCommit()) {
                RowKind[] kinds = new RowKind[4];
                kinds[K_INSERT] = RowKind.INSERT; kinds[K_UPDATE] = RowKind.UPDATE_AFTER; kinds[K_DELETE] = RowKind.DELETE;
                byte[] ts = o.ts, sha = o.sha;
                for (int i = 0; i < o.n; i++) {
                    w.write(GenericRow.ofKind(kinds[o.kind[i]],
                        o.id[i], o.page[i], o.comment[i], o.actor[i],
                        BinaryString.fromBytes(ts, i * TS_LEN, TS_LEN),
                        o.minor[i], o.deleted[i], o.len[i], o.parent[i],
                        BinaryString.fromBytes(sha, i * SHA_LEN, SHA_LEN)));
                    if (a.commitEvery > 0 && (i + 1) % a.commitEvery == 0 && i + 1 < o.n) {
                        commit(w, c, commits++, false, tally);
                    }
                }
                tLoop = System.nanoTime();
                commit(w, c, commits++, true, tally);
            }
            long tEnd = System.nanoTime();
            double seconds = (tEnd - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9, gc = (gcMillis() - gc0) / 1e3;
            long writeBytes = tally.bytes, writeFiles = tally.files.size();
            long hwmWrite = vmKb("VmHWM");

            j.dbl("seconds", seconds).dbl("rows_per_sec", o.n / seconds).dbl("cpu_seconds", cpu).dbl("gc_seconds", gc);
            j.num("commits", commits).dbl("loop_seconds", (tLoop - t0) / 1e9).dbl("last_commit_seconds", (tEnd - tLoop) / 1e9);

            // ---- optional: full compaction ----
            if (a.fullCompact) {
                StreamWriteBuilder cb = table.newStreamWriteBuilder();
                TreeSet<Integer> buckets = new TreeSet<>();
                for (Split s : table.newReadBuilder().newScan().plan().splits()) buckets.add(((DataSplit) s).bucket());
                long gcc = gcMillis(), cpuc = os.getProcessCpuTime(), tc = System.nanoTime();
                try (StreamTableWrite w = (StreamTableWrite) cb.newWrite().withIOManager(io);
                     StreamTableCommit c = cb.newCommit()) {
                    for (int b : buckets) w.compact(BinaryRow.EMPTY_ROW, b, true);
                    commit(w, c, 0, true, tally);
                }
                j.dbl("compact_seconds", (System.nanoTime() - tc) / 1e9)
                 .dbl("compact_cpu_seconds", (os.getProcessCpuTime() - cpuc) / 1e9)
                 .dbl("compact_gc_seconds", (gcMillis() - gcc) / 1e3)
                 .num("compact_bytes_written", tally.bytes - writeBytes);
            }

            // ---- sizes ----
            long finalBytes = 0, finalFiles = 0, finalRows = 0;
            TreeMap<Integer, long[]> levels = new TreeMap<>();
            for (Split s : table.newReadBuilder().newScan().plan().splits()) {
                for (DataFileMeta f : ((DataSplit) s).dataFiles()) {
                    finalBytes += f.fileSize(); finalFiles++; finalRows += f.rowCount();
                    long[] l = levels.computeIfAbsent(f.level(), k -> new long[2]);
                    l[0]++; l[1] += f.fileSize();
                }
            }
            long[] dirBytes = dirBytes(warehouse);
            j.num("bytes_written", tally.bytes).num("bytes_written_write_phase", writeBytes)
             .num("files_written", tally.files.size()).num("files_written_write_phase", writeFiles)
             .num("final_bytes", finalBytes).num("files", finalFiles).num("final_file_rows", finalRows)
             .dbl("write_amplification", finalBytes == 0 ? 0 : (double) tally.bytes / finalBytes);
            j.obj("levels");
            for (Map.Entry<Integer, long[]> e : levels.entrySet()) {
                j.obj(Integer.toString(e.getKey())).num("files", e.getValue()[0]).num("bytes", e.getValue()[1]).end();
            }
            j.end();
            j.num("dir_data_bytes", dirBytes[0]).num("dir_meta_bytes", dirBytes[1]);

            // ---- optional: read back ----
            boolean ok = true;
            if (a.verify) {
                long tv = System.nanoTime();
                Checksum got = readBack(table);
                Checksum want = expected(o);
                ok = got.same(want);
                j.obj("verify");
                got.json(j);
                j.obj("expected"); want.json(j); j.end();
                j.bool("ok", ok).dbl("seconds", (System.nanoTime() - tv) / 1e9);
                j.end();
            }

            j.num("peak_rss_kb", vmKb("VmHWM")).num("peak_rss_kb_write_phase", hwmWrite)
             .dbl("process_cpu_seconds", os.getProcessCpuTime() / 1e9)
             .dbl("gen_seconds", genSeconds).num("input_bytes", o.bytes())
             .num("cores", Runtime.getRuntime().availableProcessors())
             .num("max_heap_bytes", Runtime.getRuntime().maxMemory());
            j.arr("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
            j.obj("options");
            generatorJson(j, a, o);
            j.num("commit_every", a.commitEvery).bool("write_only", a.writeOnly).bool("full_compact", a.fullCompact);
            j.obj("table");
            for (Map.Entry<String, String> e : table.options().entrySet()) {
                if (!e.getKey().equals("path")) j.str(e.getKey(), e.getValue());
            }
            j.end();
            j.obj("write_dynamic");
            for (Map.Entry<String, String> e : writeOptions.entrySet()) j.str(e.getKey(), e.getValue());
            j.end();
            j.str("dir", dir.toString());
            j.end();
            System.out.println(j.done());
            if (!ok) System.err.println("PaimonBench: verify FAILED: table differs from the expected state");
            return ok ? 0 : 1;
        } finally {
            io.close();
        }
    }

    static void commit(StreamTableWrite w, StreamTableCommit c, long id, boolean waitCompaction, FileTally tally)
            throws Exception {
        List<CommitMessage> msgs = w.prepareCommit(waitCompaction, id);
        for (CommitMessage m : msgs) tally.add((CommitMessageImpl) m);
        c.commit(id, msgs);
    }

    /** Every data and changelog file the writers created, by name (an upgraded file keeps its name). */
    static final class FileTally {
        final HashMap<String, Long> files = new HashMap<>();
        long bytes;

        void add(CommitMessageImpl m) {
            addAll(m.newFilesIncrement().newFiles());
            addAll(m.newFilesIncrement().changelogFiles());
            addAll(m.compactIncrement().compactAfter());
            addAll(m.compactIncrement().changelogFiles());
        }

        void addAll(List<DataFileMeta> l) {
            for (DataFileMeta f : l) {
                if (files.putIfAbsent(f.fileName(), f.fileSize()) == null) bytes += f.fileSize();
            }
        }
    }

    /** [bytes of files in bucket directories, bytes of everything else] under the warehouse. */
    static long[] dirBytes(Path warehouse) throws IOException {
        long[] r = new long[2];
        try (Stream<Path> s = Files.walk(warehouse)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                try {
                    boolean data = p.getParent().getFileName().toString().startsWith("bucket-");
                    r[data ? 0 : 1] += Files.size(p);
                } catch (IOException e) { throw new UncheckedIOException(e); }
            });
        }
        return r;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }

    static long gcMillis() {
        long t = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) t += Math.max(0, b.getCollectionTime());
        return t;
    }

    /** a "kB" line of /proc/self/status (VmHWM: peak resident set), or -1. */
    static long vmKb(String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(key + ":")) return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) { /* not Linux */ }
        return -1;
    }

    static String paimonVersion() {
        String v = Table.class.getPackage().getImplementationVersion();
        if (v != null) return v;
        try (var in = Table.class.getResourceAsStream("/META-INF/maven/org.apache.paimon/paimon-bundle/pom.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) { /* fall through */ }
        return "unknown";
    }

    static void generatorJson(Json j, Args a, Ops o) {
        j.str("generator", "floe-revision-v1").str("seed", Long.toUnsignedString(a.seed)).num("ops", a.ops)
         .dbl("update_ratio", a.updateRatio).dbl("delete_ratio", a.deleteRatio)
         .num("inserts", o.n - o.updates - o.deletes).num("updates", o.updates).num("deletes", o.deletes)
         .num("keys", o.inserted);
    }

    /** The operations as JSON lines: {"op":"+I"|"+U"|"-D", then the 10 columns in table order}. */
    static void emitOps(Ops o, Path file) throws IOException {
        try (BufferedWriter out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
            for (int i = 0; i < o.n; i++) {
                String op = o.kind[i] == K_INSERT ? "+I" : o.kind[i] == K_UPDATE ? "+U" : "-D";
                out.write("{\"op\":\"" + op + "\",\"rev_id\":" + o.id[i] + ",\"rev_page\":" + o.page[i]
                    + ",\"rev_comment_id\":" + o.comment[i] + ",\"rev_actor\":" + o.actor[i]
                    + ",\"rev_timestamp\":\"" + new String(o.ts, i * TS_LEN, TS_LEN, StandardCharsets.US_ASCII)
                    + "\",\"rev_minor_edit\":" + o.minor[i] + ",\"rev_deleted\":" + o.deleted[i]
                    + ",\"rev_len\":" + o.len[i] + ",\"rev_parent_id\":" + o.parent[i]
                    + ",\"rev_sha1\":\"" + new String(o.sha, i * SHA_LEN, SHA_LEN, StandardCharsets.US_ASCII) + "\"}\n");
            }
        }
    }

    /** A minimal JSON object writer (keys and values here need no escaping beyond quotes and backslashes). */
    static final class Json {
        final StringBuilder sb = new StringBuilder("{");
        final ArrayList<Boolean> first = new ArrayList<>(List.of(true));

        Json key(String k) {
            int top = first.size() - 1;
            if (!first.get(top)) sb.append(',');
            first.set(top, false);
            sb.append(quote(k)).append(':');
            return this;
        }
        Json num(String k, long v) { key(k).sb.append(v); return this; }
        Json dbl(String k, double v) {
            key(k).sb.append(Double.isFinite(v)
                ? new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString()
                : "null");
            return this;
        }
        Json str(String k, String v) { key(k).sb.append(quote(v)); return this; }
        Json bool(String k, boolean v) { key(k).sb.append(v); return this; }
        Json arr(String k, List<String> v) {
            key(k).sb.append('[');
            for (int i = 0; i < v.size(); i++) sb.append(i == 0 ? "" : ",").append(quote(v.get(i)));
            sb.append(']');
            return this;
        }
        Json obj(String k) { key(k).sb.append('{'); first.add(true); return this; }
        Json end() { sb.append('}'); first.remove(first.size() - 1); return this; }
        String done() { return sb.toString() + "}"; }
        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                if (ch == '"' || ch == '\\') b.append('\\').append(ch);
                else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
                else b.append(ch);
            }
            return b.append('"').toString();
        }
    }
}
