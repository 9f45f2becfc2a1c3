using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// The symbol versions an ELF64 little-endian shared library requires (its .gnu.version_r section), each with whether it
/// is weak (VER_FLG_WEAK): read independently of build/TorchSharpOnDebian.targets, which writes that flag.
/// </summary>
internal static class ElfVersionRequirements
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public sealed record Requirement(string Library, string Name, bool Weak);

    public static List<Requirement> Read(byte[] image)
    {
        var elf = image.AsSpan();
        if (elf[0] != 0x7f || !elf[1..4].SequenceEqual("ELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not an ELF64 little-endian file");
        }

        var sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        var sections = Enumerable.Range(0, sectionCount).Select(i => sectionTable + (i * sectionSize)).ToList();
        var verneed = -1;
        foreach (var header in sections)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(elf[(header + 4)..]) == ShtGnuVerneed)
            {
                verneed = header;
            }
        }

        if (verneed < 0)
        {
            return [];
        }

        var strings = sections[(int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(verneed + 40)..])];
        var stringsAt = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf[(strings + 24)..]);

        var requirements = new List<Requirement>();
        var need = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf[(verneed + 24)..]);
        for (var n = BinaryPrimitives.ReadUInt32LittleEndian(elf[(verneed + 44)..]); n > 0; n--)
        {
            var library = Name(elf, stringsAt + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 4)..]));
            var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 8)..]);
            for (int a = BinaryPrimitives.ReadUInt16LittleEndian(elf[(need + 2)..]); a > 0; a--)
            {
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(aux + 4)..]);
                requirements.Add(new Requirement(library, Name(elf, stringsAt + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 8)..])), (flags & VerFlgWeak) != 0));
                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 12)..]);
            }

            need += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 12)..]);
        }

        return requirements;
    }

    private static string Name(ReadOnlySpan<byte> elf, int at) => Encoding.ASCII.GetString(elf[at..][..elf[at..].IndexOf((byte)0)]);
}
