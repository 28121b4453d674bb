"""Components: Salesforce metadata as typed values, the spec compiler, XML and file formats."""
