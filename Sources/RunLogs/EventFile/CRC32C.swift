/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TensorFlow's record files use it,
/// and TensorFlow's masking of it: a record holding CRCs of its own bytes would otherwise be
/// hard to checksum again (`tensorflow/core/lib/hash/crc32c.h`, `Mask`).
public enum CRC32C {
  /// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
  static let tables: [[UInt32]] = {
    var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
    for byte in 0..<256 {
      var crc = UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
      tables[0][byte] = crc
    }
    for byte in 0..<256 {
      for k in 1..<8 {
        let previous = tables[k - 1][byte]
        tables[k][byte] = (previous >> 8) ^ tables[0][Int(previous & 0xFF)]
      }
    }
    return tables
  }()

  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    tables.withUnsafeBufferPointer { tables in
      let t0 = tables[0], t1 = tables[1], t2 = tables[2], t3 = tables[3]
      let t4 = tables[4], t5 = tables[5], t6 = tables[6], t7 = tables[7]
      var index = 0
      let count = bytes.count
      while index + 8 <= count {
        let low = crc ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian
        let high = bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self).littleEndian
        crc = t7[Int(low & 0xFF)] ^ t6[Int((low >> 8) & 0xFF)] ^ t5[Int((low >> 16) & 0xFF)]
          ^ t4[Int(low >> 24)] ^ t3[Int(high & 0xFF)] ^ t2[Int((high >> 8) & 0xFF)]
          ^ t1[Int((high >> 16) & 0xFF)] ^ t0[Int(high >> 24)]
        index += 8
      }
      while index < count {
        crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(bytes[index])) & 0xFF)]
        index += 1
      }
    }
    return ~crc
  }

  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0) }
  }

  /// TensorFlow's masked form: rotate right by 15 bits and add a constant.
  public static func masked(_ crc: UInt32) -> UInt32 {
    ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
