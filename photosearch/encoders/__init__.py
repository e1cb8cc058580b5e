"""Image/text encoders behind one interface (`Encoder`); backends live one family per file."""
from photosearch.encoders.base import Encoder, TextInfo, TextTower, TokenizedTexts, VisionTower

__all__ = ["Encoder", "TextInfo", "TextTower", "TokenizedTexts", "VisionTower"]
