package floe.verifier;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SortOrderParser;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.orc.TypeDescription;
import org.apache.orc.storage.ql.exec.vector.BytesColumnVector;
import org.apache.orc.storage.ql.exec.vector.ColumnVector;
import org.apache.orc.storage.ql.exec.vector.DecimalColumnVector;
import org.apache.orc.storage.ql.exec.vector.DoubleColumnVector;
import org.apache.orc.storage.ql.exec.vector.ListColumnVector;
import org.apache.orc.storage.ql.exec.vector.LongColumnVector;
import org.apache.orc.storage.ql.exec.vector.MapColumnVector;
import org.apache.orc.storage.ql.exec.vector.StructColumnVector;
import org.apache.orc.storage.ql.exec.vector.TimestampColumnVector;
import org.apache.orc.storage.ql.exec.vector.UnionColumnVector;
import org.apache.orc.storage.ql.exec.vector.VectorizedRowBatch;

/**
 * floe-verifier: reads Iceberg tables and ORC files with the Apache Java
 * libraries and prints what it read as JSON lines, so tests can compare
 * floe's output with an independent reader.
 *
 * Value forms (same for Iceberg and ORC): integers and floats as JSON
 * numbers (NaN/Infinity as strings), decimals as strings with the type's
 * scale, strings as strings, binary/fixed as base64, dates as YYYY-MM-DD,
 * times as HH:MM:SS.ffffff, timestamps as YYYY-MM-DDTHH:MM:SS.ffffff
 * (9 fraction digits for nanosecond types or values), timestamps with
 * time zone in UTC with a "+00:00" suffix, uuid as its text, structs as
 * objects, lists as arrays, maps as objects when keys are strings or else
 * arrays of {"key":..,"value":..}, null as null.
 */
public final class Main {
  private static final PrintStream OUT =
      new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      usage();
      System.exit(2);
    }
    int rc;
    try {
      switch (args[0]) {
        case "iceberg-read":
          rc = icebergRead(args);
          break;
        case "iceberg-schema":
          rc = icebergSchema(args);
          break;
        case "orc-read":
          rc = orcRead(args);
          break;
        default:
          usage();
          rc = 2;
      }
    } catch (Exception e) {
      OUT.flush();
      System.err.println("floe-verifier: " + args[0] + " failed: " + e);
      e.printStackTrace(System.err);
      rc = 1;
    }
    OUT.flush();
    System.exit(rc);
  }

  private static void usage() {
    System.err.println("usage: verifier iceberg-read <metadata.json | table dir> [--snapshot ID]\n"
        + "       verifier iceberg-schema <metadata.json | table dir>\n"
        + "       verifier orc-read <file.orc>");
  }

  private static Configuration hadoopConf() {
    Configuration conf = new Configuration();
    conf.set("fs.file.impl.disable.cache", "true");
    return conf;
  }

  // ---------------------------------------------------------------- Iceberg

  private static final Pattern VERSIONED = Pattern.compile("^v(\\d+)\\.metadata\\.json$");
  private static final Pattern NUMBERED = Pattern.compile("^(\\d+)-.*\\.metadata\\.json$");

  /** Loads a table from a metadata file, or from a table directory. */
  static Table loadTable(String location) {
    Configuration conf = hadoopConf();
    File f = new File(location);
    if (f.isDirectory()) {
      File meta = new File(f, "metadata");
      if (new File(meta, "version-hint.text").isFile() || hasVersionedMetadata(meta)) {
        return new HadoopTables(conf).load(f.getAbsolutePath());
      }
      // A catalog-written table (names like 00003-<uuid>.metadata.json): take the newest.
      File newest = newestNumberedMetadata(meta);
      if (newest == null) {
        throw new IllegalArgumentException("no metadata files under " + meta);
      }
      location = newest.getAbsolutePath();
    } else if (f.isFile()) {
      location = f.getAbsolutePath();
    }
    HadoopFileIO io = new HadoopFileIO(conf);
    StaticTableOperations ops = new StaticTableOperations(location, io);
    return new BaseTable(ops, location);
  }

  private static boolean hasVersionedMetadata(File metaDir) {
    String[] names = metaDir.list();
    if (names == null) return false;
    for (String n : names) {
      if (VERSIONED.matcher(n).matches()) return true;
    }
    return false;
  }

  private static File newestNumberedMetadata(File metaDir) {
    File[] files = metaDir.listFiles();
    if (files == null) return null;
    File best = null;
    long bestN = -1;
    for (File c : files) {
      Matcher m = NUMBERED.matcher(c.getName());
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        if (n > bestN || (n == bestN && c.lastModified() > best.lastModified())) {
          best = c;
          bestN = n;
        }
      }
    }
    return best;
  }

  private static int icebergRead(String[] args) throws IOException {
    String path = args[1];
    Long snapshot = null;
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--snapshot") && i + 1 < args.length) {
        snapshot = Long.parseLong(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Table table = loadTable(path);
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(table);
    if (snapshot != null) {
      scan = scan.useSnapshot(snapshot);
    }
    long n = 0;
    try (CloseableIterable<Record> rows = scan.build()) {
      for (Record r : rows) {
        StringBuilder sb = new StringBuilder(256);
        writeIcebergStruct(sb, r.struct(), r);
        OUT.println(sb);
        n++;
      }
    }
    System.err.println("floe-verifier: iceberg-read " + n + " rows");
    return 0;
  }

  private static void writeIcebergStruct(StringBuilder sb, Types.StructType type, Record r) {
    sb.append('{');
    List<Types.NestedField> fields = type.fields();
    for (int i = 0; i < fields.size(); i++) {
      Types.NestedField f = fields.get(i);
      if (i > 0) sb.append(',');
      Json.str(sb, f.name());
      sb.append(':');
      writeIcebergValue(sb, f.type(), r.getField(f.name()));
    }
    sb.append('}');
  }

  private static void writeIcebergValue(StringBuilder sb, Type type, Object v) {
    if (v == null) {
      sb.append("null");
      return;
    }
    switch (type.typeId()) {
      case BOOLEAN:
      case INTEGER:
      case LONG:
        sb.append(v.toString());
        break;
      case FLOAT:
        Json.num(sb, ((Number) v).floatValue());
        break;
      case DOUBLE:
        Json.num(sb, ((Number) v).doubleValue());
        break;
      case DECIMAL:
        Json.str(sb, ((BigDecimal) v).setScale(((Types.DecimalType) type).scale()).toPlainString());
        break;
      case STRING:
        Json.str(sb, v.toString());
        break;
      case UUID:
        Json.str(sb, v instanceof UUID ? v.toString() : uuidFromBytes(v).toString());
        break;
      case FIXED:
      case BINARY:
        Json.str(sb, base64(v));
        break;
      case DATE:
        Json.str(sb, ((LocalDate) v).toString());
        break;
      case TIME:
        Json.str(sb, Fmt.time((LocalTime) v));
        break;
      case TIMESTAMP:
        if (v instanceof OffsetDateTime) {
          LocalDateTime utc = ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
          Json.str(sb, Fmt.timestamp(utc, false) + "+00:00");
        } else {
          Json.str(sb, Fmt.timestamp((LocalDateTime) v, false));
        }
        break;
      case TIMESTAMP_NANO:
        if (v instanceof OffsetDateTime) {
          LocalDateTime utc = ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
          Json.str(sb, Fmt.timestamp(utc, true) + "+00:00");
        } else {
          Json.str(sb, Fmt.timestamp((LocalDateTime) v, true));
        }
        break;
      case STRUCT:
        writeIcebergStruct(sb, type.asStructType(), (Record) v);
        break;
      case LIST: {
        Type elem = type.asListType().elementType();
        sb.append('[');
        boolean first = true;
        for (Object e : (List<?>) v) {
          if (!first) sb.append(',');
          first = false;
          writeIcebergValue(sb, elem, e);
        }
        sb.append(']');
        break;
      }
      case MAP: {
        Types.MapType mt = type.asMapType();
        boolean stringKeys = mt.keyType().typeId() == Type.TypeID.STRING;
        sb.append(stringKeys ? '{' : '[');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          if (!first) sb.append(',');
          first = false;
          if (stringKeys) {
            Json.str(sb, e.getKey().toString());
            sb.append(':');
            writeIcebergValue(sb, mt.valueType(), e.getValue());
          } else {
            sb.append("{\"key\":");
            writeIcebergValue(sb, mt.keyType(), e.getKey());
            sb.append(",\"value\":");
            writeIcebergValue(sb, mt.valueType(), e.getValue());
            sb.append('}');
          }
        }
        sb.append(stringKeys ? '}' : ']');
        break;
      }
      default:
        // variant, geometry, unknown ...: best effort
        Json.str(sb, v.toString());
    }
  }

  private static UUID uuidFromBytes(Object v) {
    byte[] b = bytes(v);
    ByteBuffer bb = ByteBuffer.wrap(b);
    return new UUID(bb.getLong(), bb.getLong());
  }

  private static byte[] bytes(Object v) {
    if (v instanceof byte[]) return (byte[]) v;
    ByteBuffer bb = ((ByteBuffer) v).duplicate();
    byte[] b = new byte[bb.remaining()];
    bb.get(b);
    return b;
  }

  private static String base64(Object v) {
    return Base64.getEncoder().encodeToString(bytes(v));
  }

  private static int icebergSchema(String[] args) {
    Table table = loadTable(args[1]);
    TableMetadata md = ((BaseTable) table).operations().current();
    StringBuilder sb = new StringBuilder(1024);
    sb.append('{');
    sb.append("\"format_version\":").append(md.formatVersion());
    sb.append(",\"table_uuid\":");
    Json.str(sb, md.uuid());
    sb.append(",\"location\":");
    Json.str(sb, md.location());
    sb.append(",\"metadata_file\":");
    Json.str(sb, md.metadataFileLocation());
    sb.append(",\"last_sequence_number\":").append(md.lastSequenceNumber());
    sb.append(",\"last_column_id\":").append(md.lastColumnId());
    sb.append(",\"current_schema_id\":").append(table.schema().schemaId());
    sb.append(",\"schema\":").append(SchemaParser.toJson(table.schema()));
    sb.append(",\"partition_spec\":").append(PartitionSpecParser.toJson(table.spec()));
    sb.append(",\"sort_order\":").append(SortOrderParser.toJson(table.sortOrder()));
    sb.append(",\"properties\":{");
    boolean first = true;
    for (Map.Entry<String, String> e : table.properties().entrySet()) {
      if (!first) sb.append(',');
      first = false;
      Json.str(sb, e.getKey());
      sb.append(':');
      Json.str(sb, e.getValue());
    }
    sb.append('}');
    Snapshot cur = table.currentSnapshot();
    sb.append(",\"current_snapshot_id\":").append(cur == null ? "null" : Long.toString(cur.snapshotId()));
    sb.append(",\"snapshots\":[");
    first = true;
    for (Snapshot s : table.snapshots()) {
      if (!first) sb.append(',');
      first = false;
      sb.append("{\"snapshot_id\":").append(s.snapshotId());
      sb.append(",\"parent_id\":").append(s.parentId() == null ? "null" : s.parentId().toString());
      sb.append(",\"sequence_number\":").append(s.sequenceNumber());
      sb.append(",\"timestamp_ms\":").append(s.timestampMillis());
      sb.append(",\"schema_id\":").append(s.schemaId() == null ? "null" : s.schemaId().toString());
      sb.append(",\"operation\":");
      if (s.operation() == null) sb.append("null"); else Json.str(sb, s.operation());
      sb.append(",\"manifest_list\":");
      if (s.manifestListLocation() == null) sb.append("null"); else Json.str(sb, s.manifestListLocation());
      sb.append(",\"summary\":{");
      boolean f2 = true;
      if (s.summary() != null) {
        for (Map.Entry<String, String> e : s.summary().entrySet()) {
          if (!f2) sb.append(',');
          f2 = false;
          Json.str(sb, e.getKey());
          sb.append(':');
          Json.str(sb, e.getValue());
        }
      }
      sb.append("}}");
    }
    sb.append("]}");
    OUT.println(sb);
    return 0;
  }

  // -------------------------------------------------------------------- ORC

  private static int orcRead(String[] args) throws IOException {
    Configuration conf = hadoopConf();
    Path p = new Path(new File(args[1]).getAbsolutePath());
    long n = 0;
    try (Reader reader = OrcFile.createReader(p, OrcFile.readerOptions(conf).useUTCTimestamp(true))) {
      TypeDescription schema = reader.getSchema();
      System.err.println(orcDescription(reader, schema));
      Reader.Options opts = reader.options().useSelected(false);
      try (RecordReader rows = reader.rows(opts)) {
        VectorizedRowBatch batch = schema.createRowBatch();
        while (rows.nextBatch(batch)) {
          for (int r = 0; r < batch.size; r++) {
            StringBuilder sb = new StringBuilder(256);
            if (schema.getCategory() == TypeDescription.Category.STRUCT) {
              List<String> names = schema.getFieldNames();
              List<TypeDescription> kids = schema.getChildren();
              sb.append('{');
              for (int c = 0; c < kids.size(); c++) {
                if (c > 0) sb.append(',');
                Json.str(sb, names.get(c));
                sb.append(':');
                writeOrcValue(sb, kids.get(c), batch.cols[c], r);
              }
              sb.append('}');
            } else {
              writeOrcValue(sb, schema, batch.cols[0], r);
            }
            OUT.println(sb);
            n++;
          }
        }
      }
    }
    System.err.println("floe-verifier: orc-read " + n + " rows");
    return 0;
  }

  /** One JSON line: file facts and every type node with its attributes. */
  private static String orcDescription(Reader reader, TypeDescription schema) {
    StringBuilder sb = new StringBuilder(1024);
    sb.append("{\"orc_schema\":");
    Json.str(sb, schema.toString());
    sb.append(",\"rows\":").append(reader.getNumberOfRows());
    sb.append(",\"compression\":");
    Json.str(sb, reader.getCompressionKind().toString());
    sb.append(",\"file_version\":");
    Json.str(sb, reader.getFileVersion().getName());
    sb.append(",\"writer_version\":");
    Json.str(sb, reader.getWriterVersion().toString());
    sb.append(",\"software_version\":");
    Json.str(sb, reader.getSoftwareVersion());
    sb.append(",\"stripes\":").append(reader.getStripes().size());
    sb.append(",\"user_metadata\":{");
    boolean first = true;
    for (String k : reader.getMetadataKeys()) {
      if (!first) sb.append(',');
      first = false;
      Json.str(sb, k);
      sb.append(':');
      ByteBuffer bb = reader.getMetadataValue(k).duplicate();
      byte[] b = new byte[bb.remaining()];
      bb.get(b);
      Json.str(sb, new String(b, StandardCharsets.UTF_8));
    }
    sb.append("},\"columns\":[");
    List<String> lines = new ArrayList<>();
    describe(schema, "root", lines);
    sb.append(String.join(",", lines));
    sb.append("]}");
    return sb.toString();
  }

  private static void describe(TypeDescription t, String path, List<String> out) {
    StringBuilder sb = new StringBuilder();
    sb.append("{\"path\":");
    Json.str(sb, path);
    sb.append(",\"column_id\":").append(t.getId());
    sb.append(",\"category\":");
    Json.str(sb, t.getCategory().getName());
    if (t.getCategory() == TypeDescription.Category.DECIMAL) {
      sb.append(",\"precision\":").append(t.getPrecision()).append(",\"scale\":").append(t.getScale());
    }
    if (t.getCategory() == TypeDescription.Category.CHAR || t.getCategory() == TypeDescription.Category.VARCHAR) {
      sb.append(",\"max_length\":").append(t.getMaxLength());
    }
    sb.append(",\"attributes\":{");
    boolean first = true;
    for (String k : t.getAttributeNames()) {
      if (!first) sb.append(',');
      first = false;
      Json.str(sb, k);
      sb.append(':');
      Json.str(sb, t.getAttributeValue(k));
    }
    sb.append("}}");
    out.add(sb.toString());
    List<TypeDescription> kids = t.getChildren();
    if (kids == null) return;
    switch (t.getCategory()) {
      case STRUCT:
        for (int i = 0; i < kids.size(); i++) describe(kids.get(i), path + "." + t.getFieldNames().get(i), out);
        break;
      case LIST:
        describe(kids.get(0), path + "._elem", out);
        break;
      case MAP:
        describe(kids.get(0), path + "._key", out);
        describe(kids.get(1), path + "._value", out);
        break;
      default:
        for (int i = 0; i < kids.size(); i++) describe(kids.get(i), path + "." + i, out);
    }
  }

  private static void writeOrcValue(StringBuilder sb, TypeDescription t, ColumnVector cv, int row) {
    int i = cv.isRepeating ? 0 : row;
    if (!cv.noNulls && cv.isNull[i]) {
      sb.append("null");
      return;
    }
    switch (t.getCategory()) {
      case BOOLEAN:
        sb.append(((LongColumnVector) cv).vector[i] != 0 ? "true" : "false");
        break;
      case BYTE:
      case SHORT:
      case INT:
      case LONG:
        sb.append(((LongColumnVector) cv).vector[i]);
        break;
      case FLOAT:
        Json.num(sb, (float) ((DoubleColumnVector) cv).vector[i]);
        break;
      case DOUBLE:
        Json.num(sb, ((DoubleColumnVector) cv).vector[i]);
        break;
      case DECIMAL: {
        BigDecimal d = ((DecimalColumnVector) cv).vector[i].getHiveDecimal().bigDecimalValue();
        Json.str(sb, d.setScale(t.getScale()).toPlainString());
        break;
      }
      case STRING:
      case VARCHAR:
      case CHAR: {
        BytesColumnVector b = (BytesColumnVector) cv;
        Json.str(sb, new String(b.vector[i], b.start[i], b.length[i], StandardCharsets.UTF_8));
        break;
      }
      case BINARY: {
        BytesColumnVector b = (BytesColumnVector) cv;
        byte[] copy = java.util.Arrays.copyOfRange(b.vector[i], b.start[i], b.start[i] + b.length[i]);
        Json.str(sb, Base64.getEncoder().encodeToString(copy));
        break;
      }
      case DATE:
        Json.str(sb, LocalDate.ofEpochDay(((LongColumnVector) cv).vector[i]).toString());
        break;
      case TIMESTAMP:
      case TIMESTAMP_INSTANT: {
        TimestampColumnVector ts = (TimestampColumnVector) cv;
        long secs = Math.floorDiv(ts.time[i], 1000L);
        int nanos = ts.nanos[i];
        if (nanos < 0 || nanos > 999_999_999 || Math.floorMod(ts.time[i], 1000L) != nanos / 1_000_000) {
          // Not a valid instant: the Java reader's (millis, nanos) disagree. Seen with
          // pre-1970 timestamps with a fraction of a second from writers that store
          // negative nanos (e.g. pyarrow's ORC writer). Print it as found, flagged.
          Json.str(sb, "INVALID(time_ms=" + ts.time[i] + ",nanos=" + nanos + ")");
          break;
        }
        LocalDateTime ldt = LocalDateTime.ofEpochSecond(secs, nanos, ZoneOffset.UTC);
        String s = Fmt.timestamp(ldt, nanos % 1000 != 0);
        if (t.getCategory() == TypeDescription.Category.TIMESTAMP_INSTANT) s += "+00:00";
        Json.str(sb, s);
        break;
      }
      case STRUCT: {
        StructColumnVector s = (StructColumnVector) cv;
        List<String> names = t.getFieldNames();
        List<TypeDescription> kids = t.getChildren();
        sb.append('{');
        for (int c = 0; c < kids.size(); c++) {
          if (c > 0) sb.append(',');
          Json.str(sb, names.get(c));
          sb.append(':');
          writeOrcValue(sb, kids.get(c), s.fields[c], i);
        }
        sb.append('}');
        break;
      }
      case LIST: {
        ListColumnVector l = (ListColumnVector) cv;
        TypeDescription elem = t.getChildren().get(0);
        sb.append('[');
        for (long k = 0; k < l.lengths[i]; k++) {
          if (k > 0) sb.append(',');
          writeOrcValue(sb, elem, l.child, (int) (l.offsets[i] + k));
        }
        sb.append(']');
        break;
      }
      case MAP: {
        MapColumnVector m = (MapColumnVector) cv;
        TypeDescription kt = t.getChildren().get(0);
        TypeDescription vt = t.getChildren().get(1);
        boolean stringKeys = kt.getCategory() == TypeDescription.Category.STRING
            || kt.getCategory() == TypeDescription.Category.VARCHAR
            || kt.getCategory() == TypeDescription.Category.CHAR;
        sb.append(stringKeys ? '{' : '[');
        for (long k = 0; k < m.lengths[i]; k++) {
          if (k > 0) sb.append(',');
          int at = (int) (m.offsets[i] + k);
          if (stringKeys) {
            writeOrcValue(sb, kt, m.keys, at);
            sb.append(':');
            writeOrcValue(sb, vt, m.values, at);
          } else {
            sb.append("{\"key\":");
            writeOrcValue(sb, kt, m.keys, at);
            sb.append(",\"value\":");
            writeOrcValue(sb, vt, m.values, at);
            sb.append('}');
          }
        }
        sb.append(stringKeys ? '}' : ']');
        break;
      }
      case UNION: {
        UnionColumnVector u = (UnionColumnVector) cv;
        int tag = u.tags[i];
        sb.append("{\"tag\":").append(tag).append(",\"value\":");
        writeOrcValue(sb, t.getChildren().get(tag), u.fields[tag], i);
        sb.append('}');
        break;
      }
      default:
        throw new IllegalStateException("unsupported ORC type " + t);
    }
  }

  // ------------------------------------------------------------- formatting

  static final class Fmt {
    private Fmt() {}

    static String timestamp(LocalDateTime t, boolean nanos) {
      return String.format("%04d-%02d-%02dT%02d:%02d:%02d.%s", t.getYear(), t.getMonthValue(),
          t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), fraction(t.getNano(), nanos));
    }

    static String time(LocalTime t) {
      return String.format("%02d:%02d:%02d.%s", t.getHour(), t.getMinute(), t.getSecond(),
          fraction(t.getNano(), t.getNano() % 1000 != 0));
    }

    private static String fraction(int nano, boolean nanos) {
      return nanos ? String.format("%09d", nano) : String.format("%06d", nano / 1000);
    }
  }

  static final class Json {
    private Json() {}

    static void num(StringBuilder sb, double d) {
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        str(sb, Double.toString(d));
      } else {
        sb.append(Double.toString(d));
      }
    }

    static void num(StringBuilder sb, float f) {
      if (Float.isNaN(f) || Float.isInfinite(f)) {
        str(sb, Float.toString(f));
      } else {
        sb.append(Float.toString(f));
      }
    }

    static void str(StringBuilder sb, String s) {
      sb.append('"');
      for (int k = 0; k < s.length(); k++) {
        char c = s.charAt(k);
        switch (c) {
          case '"': sb.append("\\\""); break;
          case '\\': sb.append("\\\\"); break;
          case '\n': sb.append("\\n"); break;
          case '\r': sb.append("\\r"); break;
          case '\t': sb.append("\\t"); break;
          case '\b': sb.append("\\b"); break;
          case '\f': sb.append("\\f"); break;
          default:
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
        }
      }
      sb.append('"');
    }
  }
}
