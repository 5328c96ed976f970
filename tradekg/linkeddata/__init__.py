"""Generic linked-data views of the dataset: any resource described, classes listed, VoID, the vocabulary."""
