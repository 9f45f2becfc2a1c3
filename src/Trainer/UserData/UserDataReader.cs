namespace Pipeline.Trainer.UserData;

/// <summary>Picks the reader for a path: a folder with IDX files is an IDX image set, another folder is images by class, a file is a CSV of windows.</summary>
public static class UserDataReader
{
    public static UserDataset Read(string path, Action<string>? onSkipped = null)
    {
        if (Directory.Exists(path) && IdxDatasetReader.Holds(path))
        {
            return IdxDatasetReader.Read(path);
        }

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

        throw new UserDataFormatException(path, null, "no such file or folder (expected a CSV file of windows, a folder with one subfolder per class, or a folder of IDX files)");
    }
}
