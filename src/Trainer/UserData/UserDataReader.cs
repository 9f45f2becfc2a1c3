namespace Pipeline.Trainer.UserData;

/// <summary>Picks the reader for a path: a folder is images by class, a file is a CSV of windows.</summary>
public static class UserDataReader
{
    public static UserDataset Read(string path, Action<string>? onSkipped = null)
    {
        if (Directory.Exists(path))
        {
            var reader = new ImageFolderReader();
            var data = reader.Read(path);
            foreach (var skipped in reader.Skipped)
            {
                onSkipped?.Invoke(skipped);
            }

            return data;
        }

        if (File.Exists(path))
        {
            return LabelledWindowCsvReader.Read(path);
        }

        throw new UserDataFormatException(path, null, "no such file or folder (expected a CSV file of windows or a folder with one subfolder per class)");
    }
}
