using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Xdp;

/// <summary>The eBPF registers: r0 result, r1-r5 arguments (clobbered by calls), r6-r9 callee-saved, r10 frame pointer.</summary>
internal enum BpfRegister : byte
{
    R0 = 0,
    R1 = 1,
    R2 = 2,
    R3 = 3,
    R4 = 4,
    R5 = 5,
    R6 = 6,
    R7 = 7,
    R8 = 8,
    R9 = 9,
    R10 = 10,
}

/// <summary>
/// One 64-bit eBPF instruction as the kernel reads it (struct bpf_insn; Documentation/bpf/
/// standardization/instruction-set.rst, "Instruction encoding"): an 8-bit opcode, the
/// destination register in the low and the source register in the high nibble of the second
/// byte, a signed 16-bit offset and a signed 32-bit immediate, little-endian on little-endian hosts.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal readonly record struct BpfInstruction(byte Code, byte Registers, short Offset, int Immediate)
{
    // Instruction classes (the opcode's low three bits).
    public const byte ClassLd = 0x00;
    public const byte ClassLdx = 0x01;
    public const byte ClassSt = 0x02;
    public const byte ClassStx = 0x03;
    public const byte ClassAlu = 0x04;
    public const byte ClassJmp = 0x05;
    public const byte ClassJmp32 = 0x06;
    public const byte ClassAlu64 = 0x07;

    // Load/store: size and mode.
    public const byte SizeW = 0x00;
    public const byte SizeH = 0x08;
    public const byte SizeB = 0x10;
    public const byte SizeDw = 0x18;
    public const byte ModeImm = 0x00;
    public const byte ModeMem = 0x60;

    // Arithmetic and jumps: the source bit (K: immediate, X: register).
    public const byte SourceK = 0x00;
    public const byte SourceX = 0x08;

    public const byte OpAdd = 0x00;
    public const byte OpSub = 0x10;
    public const byte OpOr = 0x40;
    public const byte OpAnd = 0x50;
    public const byte OpLsh = 0x60;
    public const byte OpRsh = 0x70;
    public const byte OpXor = 0xa0;
    public const byte OpMov = 0xb0;

    /// <summary>Byte swap (BPF_END); with the X source bit it converts to big-endian (BPF_TO_BE).</summary>
    public const byte OpEnd = 0xd0;

    public const byte JumpAlways = 0x00;
    public const byte JumpEq = 0x10;
    public const byte JumpGt = 0x20;
    public const byte JumpGe = 0x30;
    public const byte JumpSet = 0x40;
    public const byte JumpNe = 0x50;
    public const byte JumpLt = 0xa0;
    public const byte JumpLe = 0xb0;
    public const byte JumpCall = 0x80;
    public const byte JumpExit = 0x90;

    /// <summary>ld_imm64's src value that makes the kernel turn the immediate (a map fd) into the map's address.</summary>
    public const byte PseudoMapFd = 1;

    public BpfInstruction(byte code, BpfRegister destination, BpfRegister source, short offset, int immediate)
        : this(code, (byte)((byte)destination | ((byte)source << 4)), offset, immediate)
    {
    }

    public BpfRegister Destination => (BpfRegister)(Registers & 0x0F);

    public BpfRegister Source => (BpfRegister)(Registers >> 4);

    public byte Class => (byte)(Code & 0x07);

    /// <summary>Writes the 8 bytes of the instruction.</summary>
    public void Encode(Span<byte> destination)
    {
        destination[0] = Code;
        destination[1] = Registers;
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Immediate);
    }

    public override string ToString() =>
        $"{Code:x2} {Registers:x2} {(ushort)Offset:x4} {Immediate:x8}";
}
